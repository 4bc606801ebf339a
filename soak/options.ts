/** Command-line options of `npm run soak`. */

const MiB = 1024 * 1024;

export const USAGE = `usage: npm run soak -- [options]

  --tabs N           peers in the ring (4..64)                              default 16
  --minutes N        how long the churn goes on (0.5..120)                  default 10
  --files N          files stored before the churn (1..10000)              default 400
  --max-file-mib N   largest file, in MiB (1..1024)                         default 64
  --seed N           picks the schedule, victims and file sizes             default 3
  --help             this text

Prints a JSON summary on stdout and writes soak/results.json; progress lines (JSON) go to stderr.
It is a benchmark: exit status 0 when it ran to the end, whatever it measured; 1 when it could not; 2 for bad options.`;

export interface SoakPlan {
  tabs: number;
  churnMs: number;
  files: number;
  maxFileBytes: number;
  seed: number;
}

export type ParsedSoakOptions = { ok: true; plan: SoakPlan } | { ok: false; error: string } | { ok: 'help' };

const LIMITS: Record<string, readonly [number, number]> = {
  tabs: [4, 64],
  minutes: [0.5, 120],
  files: [1, 10_000],
  'max-file-mib': [1, 1024],
  seed: [0, 2 ** 31],
};

export function parseSoakOptions(argv: readonly string[]): ParsedSoakOptions {
  const values: Record<string, number> = { tabs: 16, minutes: 10, files: 400, 'max-file-mib': 64, seed: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) return { ok: false, error: `unexpected argument "${arg}"` };
    const name = match[1]!;
    if (name === 'help') return { ok: 'help' };
    const limits = LIMITS[name];
    if (!limits) return { ok: false, error: `unknown option --${name}` };
    const text = match[2] ?? argv[++i];
    const value = Number(text);
    const whole = name !== 'minutes';
    if (text === undefined || !Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < limits[0] || value > limits[1]) {
      return { ok: false, error: `--${name} takes ${whole ? 'a whole number' : 'a number'} in ${limits[0]}..${limits[1]}, got ${text ?? 'nothing'}` };
    }
    values[name] = value;
  }
  return {
    ok: true,
    plan: { tabs: values.tabs!, churnMs: Math.round(values.minutes! * 60_000), files: values.files!, maxFileBytes: values['max-file-mib']! * MiB, seed: values.seed! },
  };
}
