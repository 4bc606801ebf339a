/** Command-line options of `npm run sim`, parsed and checked without touching the process. */
import type { LogLevel } from './log';
import { slowerUpkeep, type ScenarioOptions } from './scenario';

export const USAGE = `usage: npm run sim -- --nodes N --files N [options]

  --nodes N        peers in the ring (1..100000)                     required
  --files N        files stored before the churn (0..1000000)        required
  --churn F        share of peers that crash or leave, as many join  default 0
  --loss F         probability a message is lost, in [0, 1)          default 0
  --seed N         seed of every random choice                       default 1
  --r N            copies of each file (1..16)                       default 3
  --m N            bits of the ring (1..256)                         default 64
  --rounds N       churn rounds, the ring repairing in between       default 10
  --repair MS      virtual ms a round may take to repair             default 20000
  --latency A,B    one-way delay in ms, uniform in [A, B]            default 1,10
  --gets N         files fetched and compared at the end             default all
  --lookups N      random-key lookups measured at the end            default 1000
  --upkeep F       ring upkeep periods F times a tab's (5 runs       default 1
                   1,000 peers in about a minute)
  --verbose        progress lines on stderr
  --log LEVEL      node log lines on stderr: warn, info or debug

Prints one JSON object on stdout. Exit status: 0 when the ring is consistent and no file
was lost or failed to come back intact, 1 otherwise, 2 for bad options.`;

export interface CliOptions {
  scenario: Omit<ScenarioOptions, 'progress' | 'logWrite'>;
  verbose: boolean;
  logLevel?: LogLevel;
}

export type ParsedArgs = { ok: true; options: CliOptions } | { ok: false; error: string } | { ok: 'help' };

type Spec = { kind: 'int'; min: number; max: number } | { kind: 'fraction' } | { kind: 'pair' } | { kind: 'level' } | { kind: 'flag' };

const SPECS: Record<string, Spec> = {
  nodes: { kind: 'int', min: 1, max: 100_000 },
  files: { kind: 'int', min: 0, max: 1_000_000 },
  churn: { kind: 'fraction' },
  loss: { kind: 'fraction' },
  seed: { kind: 'int', min: -(2 ** 31), max: 2 ** 32 - 1 },
  r: { kind: 'int', min: 1, max: 16 },
  m: { kind: 'int', min: 1, max: 256 },
  rounds: { kind: 'int', min: 1, max: 100_000 },
  repair: { kind: 'int', min: 0, max: 3_600_000 },
  latency: { kind: 'pair' },
  gets: { kind: 'int', min: 0, max: 1_000_000 },
  lookups: { kind: 'int', min: 0, max: 1_000_000 },
  upkeep: { kind: 'int', min: 1, max: 100 },
  verbose: { kind: 'flag' },
  log: { kind: 'level' },
};

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const values = new Map<string, unknown>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { ok: 'help' };
    const match = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    if (!match) return { ok: false, error: `unexpected argument "${arg}"` };
    const name = match[1] as string;
    const spec = SPECS[name];
    if (!spec) return { ok: false, error: `unknown option --${name}` };
    if (values.has(name)) return { ok: false, error: `--${name} given twice` };
    if (spec.kind === 'flag') {
      if (match[2] !== undefined) return { ok: false, error: `--${name} takes no value` };
      values.set(name, true);
      continue;
    }
    const text = match[2] ?? argv[++i];
    if (text === undefined) return { ok: false, error: `--${name} needs a value` };
    const value = parseValue(spec, text);
    if (typeof value === 'string') return { ok: false, error: `--${name} ${value}, got "${text}"` };
    values.set(name, value.value);
  }
  for (const required of ['nodes', 'files']) if (!values.has(required)) return { ok: false, error: `--${required} is required` };
  const get = <T>(name: string): T | undefined => values.get(name) as T | undefined;
  const nodes = get<number>('nodes') as number;
  const churn = get<number>('churn') ?? 0;
  const m = get<number>('m') ?? 64;
  const r = get<number>('r') ?? 3;
  // Every peer ever created needs a key of its own.
  const peersEver = nodes + 2 * Math.round(churn * nodes);
  if (m < 53 && peersEver > 2 ** m / 2) return { ok: false, error: `--m ${m} leaves too few keys for ${peersEver} peers; use a larger --m` };
  if (churn > 0 && nodes <= r) return { ok: false, error: `--churn needs more peers than --r (${r})` };
  return {
    ok: true,
    options: {
      scenario: {
        seed: get<number>('seed') ?? 1,
        nodes,
        files: get<number>('files') as number,
        churn,
        loss: get<number>('loss') ?? 0,
        r,
        m,
        rounds: get<number>('rounds'),
        repairMs: get<number>('repair'),
        latencyMs: get<[number, number]>('latency'),
        gets: get<number>('gets'),
        lookups: get<number>('lookups'),
        config: values.has('upkeep') ? slowerUpkeep(get<number>('upkeep') as number) : undefined,
      },
      verbose: get<boolean>('verbose') ?? false,
      logLevel: get<LogLevel>('log'),
    },
  };
}

/** The parsed value, or what is wrong with the text. */
function parseValue(spec: Spec, text: string): { value: unknown } | string {
  switch (spec.kind) {
    case 'int': {
      const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(n) && n >= spec.min && n <= spec.max ? { value: n } : `must be a whole number in ${spec.min}..${spec.max}`;
    }
    case 'fraction': {
      const x = /^\d*\.?\d+(e-?\d+)?$/.test(text) ? Number(text) : NaN;
      return x >= 0 && x < 1 ? { value: x } : 'must be a number in [0, 1)';
    }
    case 'pair': {
      const m = /^(\d+),(\d+)$/.exec(text);
      const [a, b] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
      return a <= b && b <= 60_000 ? { value: [a, b] } : 'must be two whole numbers A,B with 0 <= A <= B <= 60000';
    }
    case 'level':
      return text === 'warn' || text === 'info' || text === 'debug' ? { value: text } : 'must be warn, info or debug';
    case 'flag':
      return { value: true };
  }
}
