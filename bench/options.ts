/** Command-line options of `npm run bench`, parsed into a plan of what to measure and how big. */

export const SECTIONS = ['lookup', 'signaling', 'simulator', 'transfer', 'join', 'recovery', 'memory'] as const;
export type Section = (typeof SECTIONS)[number];

const MiB = 1024 * 1024;

export const USAGE = `usage: npm run bench -- [options]

  --only LIST        comma-separated sections to run, of: ${SECTIONS.join(', ')}   default all
  --quick            smaller sizes and one run per figure, for development
  --memory-mib N     size of the memory section's file in MiB (1..4096)   default 1024 (64 with --quick)
  --help             this text

Writes bench/results.json and bench/lookup-hops.svg, prints a table on stdout and progress lines
on stderr. Exit status: 0 when every section produced its figures (slow ones included), 1 when a
section failed, 2 for bad options.`;

export interface BenchPlan {
  /** In the order they run: no browser needed first, the longest (memory) last, so a run cut short has the rest. */
  sections: Section[];
  quick: boolean;
  /** Repetitions each median is taken over. */
  runs: number;
  transferBytes: number;
  memoryBytes: number;
  /** Ring sizes of the lookup section, doubling. */
  lookupSizes: number[];
  /** Largest ring size measured over `runs` seeds; larger rings are built once (they take minutes). */
  lookupRepeatUpTo: number;
  signalingClients: number;
  /** Tabs in the join and recovery rings, the new or crashed one included. */
  ringTabs: number;
  recoveryFiles: number;
}

export type ParsedOptions = { ok: true; plan: BenchPlan } | { ok: false; error: string } | { ok: 'help' };

function doublings(from: number, to: number): number[] {
  const sizes: number[] = [];
  for (let n = from; n <= to; n *= 2) sizes.push(n);
  return sizes;
}

export function parseOptions(argv: readonly string[]): ParsedOptions {
  let only: Section[] | undefined;
  let quick = false;
  let memoryMiB: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) return { ok: false, error: `unexpected argument "${arg}"` };
    const name = match[1] as string;
    const takeValue = (): string | undefined => match[2] ?? argv[++i];
    switch (name) {
      case 'help':
        return { ok: 'help' };
      case 'quick':
        if (match[2] !== undefined) return { ok: false, error: '--quick takes no value' };
        quick = true;
        break;
      case 'only': {
        if (only) return { ok: false, error: '--only given twice' };
        const value = takeValue();
        if (!value) return { ok: false, error: '--only needs a list of sections' };
        const names = value.split(',').map((s) => s.trim());
        const unknown = names.filter((s) => !(SECTIONS as readonly string[]).includes(s));
        if (unknown.length > 0) return { ok: false, error: `unknown section ${unknown.map((s) => `"${s}"`).join(', ')}; sections are ${SECTIONS.join(', ')}` };
        only = names as Section[];
        break;
      }
      case 'memory-mib': {
        if (memoryMiB !== undefined) return { ok: false, error: '--memory-mib given twice' };
        const value = takeValue();
        const n = Number(value);
        if (value === undefined || !/^\d+$/.test(value) || n < 1 || n > 4096) return { ok: false, error: `--memory-mib must be an integer in 1..4096, got "${value ?? ''}"` };
        memoryMiB = n;
        break;
      }
      default:
        return { ok: false, error: `unknown option --${name}` };
    }
  }
  const chosen = new Set(only ?? SECTIONS);
  return {
    ok: true,
    plan: {
      sections: SECTIONS.filter((s) => chosen.has(s)),
      quick,
      runs: quick ? 1 : 3,
      transferBytes: (quick ? 16 : 64) * MiB,
      memoryBytes: (memoryMiB ?? (quick ? 64 : 1024)) * MiB,
      lookupSizes: doublings(64, quick ? 512 : 4096),
      lookupRepeatUpTo: 1024,
      signalingClients: quick ? 200 : 1000,
      ringTabs: 10,
      recoveryFiles: quick ? 30 : 100,
    },
  };
}
