/**
 * `npm run bench`: runs the sections the options ask for, one after another so they do not share the cores,
 * and writes bench/results.json, bench/lookup-hops.svg and a table on stdout. A slow figure is a result, not
 * a failure; a section that cannot produce its figures is reported and the others still run.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { promisify } from 'node:util';
import { CHROMIUM_PATH, logEvent } from '../test/e2e/harness';
import { ensureBuilt } from './browser';
import { lookupChart } from './chart';
import { benchJoin } from './join';
import { benchLookup } from './lookup';
import { benchMemory } from './memory';
import { USAGE, parseOptions, type BenchPlan, type Section } from './options';
import { benchRecovery } from './recovery';
import { formatTable, type BenchResults } from './report';
import { benchSignaling } from './signaling';
import { benchSimulator } from './simulator';
import { round } from './stats';
import { benchTransfer } from './transfer';

const RESULTS_PATH = new URL('./results.json', import.meta.url);
const CHART_PATH = new URL('./lookup-hops.svg', import.meta.url);
const BROWSER_SECTIONS: ReadonlySet<Section> = new Set(['transfer', 'memory', 'join', 'recovery']);

/** "156.0.7390.54" from `chromium --version`, or null when there is no browser to ask. */
async function chromiumVersion(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)(CHROMIUM_PATH, ['--version']);
    return /\d+(\.\d+){3}/.exec(stdout)?.[0] ?? null;
  } catch {
    return null;
  }
}

/** What each section contributes to the results. */
const SECTION_RUNNERS: Record<Section, (plan: BenchPlan, results: BenchResults) => Promise<void>> = {
  lookup: async (plan, r) => {
    r.lookup = await benchLookup(plan, logEvent);
  },
  signaling: async (plan, r) => {
    r.signaling = await benchSignaling(plan, logEvent);
  },
  simulator: async (plan, r) => {
    r.simulator = await benchSimulator(plan, logEvent);
  },
  transfer: async (plan, r) => {
    r.transfer = await benchTransfer(plan, logEvent, (partial) => (r.transfer = partial));
  },
  memory: async (plan, r) => {
    r.memory = await benchMemory(plan, logEvent);
  },
  join: async (plan, r) => {
    Object.assign(r, await benchJoin(plan, logEvent));
  },
  recovery: async (plan, r) => {
    Object.assign(r, await benchRecovery(plan, logEvent));
  },
};

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseOptions(argv);
  if (parsed.ok === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!parsed.ok) {
    process.stderr.write(`bench: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const { plan } = parsed;
  const started = performance.now();
  const results: BenchResults = {
    machine: { cpus: cpus().length, chromium: await chromiumVersion(), node: process.version, loadAverage: round(loadavg()[0]!) },
    quick: plan.quick,
    transfer: null,
    memory: null,
    lookup: null,
    joinMs: null,
    recoveryMs: null,
    signaling: null,
    simulator: null,
    join: null,
    recovery: null,
    errors: {},
    sectionSeconds: {},
  };
  logEvent('bench-start', { sections: plan.sections, quick: plan.quick });
  let built = false;
  for (const section of plan.sections) {
    const sectionStart = performance.now();
    logEvent('section-start', { section });
    try {
      if (BROWSER_SECTIONS.has(section) && !built) {
        await ensureBuilt(logEvent);
        built = true;
      }
      await SECTION_RUNNERS[section](plan, results);
    } catch (err) {
      results.errors[section] = err instanceof Error ? err.message : String(err);
      logEvent('section-failed', { section, message: results.errors[section], stack: err instanceof Error ? err.stack : undefined });
    }
    results.sectionSeconds[section] = round((performance.now() - sectionStart) / 1000, 1);
    logEvent('section-done', { section, seconds: results.sectionSeconds[section] });
    // Written after every section, so an interrupted run keeps what it measured.
    await writeFile(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);
  }
  if (results.lookup) await writeFile(CHART_PATH, lookupChart(results.lookup));
  process.stdout.write(formatTable(results));
  logEvent('bench-done', { seconds: round((performance.now() - started) / 1000, 1), failed: Object.keys(results.errors) });
  return Object.keys(results.errors).length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    // A section that failed part-way may leave a socket or timer open; everything worth keeping is written.
    process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
