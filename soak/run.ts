/**
 * `npm run soak`: a ring of real tabs under churn for minutes, as people use it. Tabs store files of 1 KiB up to
 * --max-file-mib; then every EVENT_EVERY_MS a peer goes down — crashed (its own browser killed with SIGKILL),
 * closed, reloaded, or frozen as a background tab (5 s or 60 s) — at most r − 1 = 2 down at once, a new tab
 * joining in place of each one lost, while puts and gets go on. It samples every file's copies among the live
 * tabs, and at the end reads every file back. A benchmark, not a test: it reports (soak/results.json).
 */
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quantile, round } from '../bench/stats';
import { DEFAULT_REPLICAS } from '../shared/constants';
import { Rng } from '../shared/sim/rng';
import { logEvent, waitFor, withServer } from '../test/e2e/harness';
import { formRing, putRandom, states, waitForPlacement } from '../test/e2e/ring';
import { churnWork, hashesFrom, inLanes, nextEvent, pace, rejoin as rejoinVia, sleepFor, tabOpener, type Action, type Peer } from '../test/churn/tabs';
import { CopyTracker } from './copies';
import { USAGE, parseSoakOptions, type SoakPlan } from './options';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const KiB = 1024;
const MiB = 1024 * KiB;
const EVENT_EVERY_MS = 5_000;
const MAX_DOWN = DEFAULT_REPLICAS - 1;
/** The two lengths of sleep: a short one, and one long past every timeout. */
const FREEZES_MS = [5_000, 60_000] as const;
/** Copies are sampled this often: the resolution of the one-copy times. */
const SAMPLE_MS = 1_000;
const WORKERS = 3;
const SETUP_LANES = 4;
const SETUP_ATTEMPTS = 3;
const VERIFY_PARALLEL = 4;
/** Replication on this 2-core machine runs at about 2.8 MB/s to three copies (README, Benchmarks): give it a third of that. */
const SETTLE_BYTES_PER_MS = 1_000;
const SETTLE_BASE_MS = 120_000;
/** One tab in four has a browser of its own, so it can crash alone. */
const CRASHABLE_SHARE = 4;

const ROTATION: readonly Action[] = ['crash', 'close', 'freeze', 'reload', 'crash', 'freeze'];

/** Mostly small files, some medium, a few large up to the largest allowed; the first is the largest. */
function sizeOf(i: number, rng: Rng, max: number): number {
  const logUniform = (lo: number, hi: number) => Math.round(Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo))));
  if (i === 0) return max;
  const roll = rng.next();
  if (roll < 0.05 && max > 4 * MiB) return logUniform(4 * MiB, max);
  if (roll < 0.2) return logUniform(256 * KiB, Math.min(4 * MiB, max));
  return logUniform(KiB, Math.min(256 * KiB, max));
}

function percentiles(values: number[]): { p50Ms: number | null; p99Ms: number | null; maxMs: number | null } {
  if (values.length === 0) return { p50Ms: null, p99Ms: null, maxMs: null };
  return { p50Ms: quantile(values, 0.5), p99Ms: quantile(values, 0.99), maxMs: Math.max(...values) };
}

async function soak(plan: SoakPlan): Promise<Record<string, unknown>> {
  return withServer(async ({ server, defer }) => {
    const started = Date.now();
    const loadAverage = round(loadavg()[0]!);
    const rng = new Rng(plan.seed);
    const tabs = tabOpener({ url: server.url, defer });
    const crashable = Math.max(2, Math.round(plan.tabs / CRASHABLE_SHARE));
    const peers: Peer[] = [];
    // One at a time: a dozen browsers starting at once on two cores time out.
    for (let i = 0; i < plan.tabs; i++) peers.push(await (i < crashable ? tabs.crashable() : tabs.normal()));
    await formRing(peers.map((p) => p.page));
    logEvent('soak-ring-formed', { tabs: peers.length, crashable, ms: Date.now() - started });

    // ---- the files ----------------------------------------------------------------------------------------
    const stored = new Map<string, string>();
    const sizes = Array.from({ length: plan.files }, (_, i) => sizeOf(i, rng, plan.maxFileBytes));
    const bytes = sizes.reduce((a, b) => a + b, 0);
    const setupPut = async (i: number): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          stored.set(`soak-${i}.bin`, await putRandom(peers[(i + attempt) % peers.length]!.page, `soak-${i}.bin`, sizes[i]!));
          return;
        } catch (err) {
          if (attempt === SETUP_ATTEMPTS) throw err;
        }
      }
    };
    const large = sizes.flatMap((size, i) => (size >= 4 * MiB ? [i] : []));
    for (const i of large) await setupPut(i);
    const rest = sizes.flatMap((size, i) => (size < 4 * MiB ? [i] : []));
    await inLanes(rest, SETUP_LANES, setupPut);
    const settleMs = SETTLE_BASE_MS + bytes / SETTLE_BYTES_PER_MS;
    // A benchmark goes on when placement is late: the churn starts from whatever copies there are, and it is reported.
    const setupPlaced = await waitForPlacement(peers.map((p) => p.page), [...stored.keys()], settleMs).then(
      () => true,
      (err: Error) => (logEvent('soak-setup-placement-late', { message: err.message.slice(0, 300) }), false),
    );
    logEvent('soak-files-stored', { files: stored.size, mib: round(bytes / MiB), setupPlaced, ms: Date.now() - started });

    // ---- the churn ----------------------------------------------------------------------------------------
    const live = new Set<Peer>(peers);
    const randomLive = () => rng.pick([...live]);
    const rejoin = (peer: Peer) => rejoinVia(peer, randomLive);
    const events: Record<Action, number> = { crash: 0, close: 0, reload: 0, freeze: 0 };
    const tracker = new CopyTracker(DEFAULT_REPLICAS);
    const comebacks: Array<Promise<void>> = [];
    let down = 0;
    let skipped = 0;
    let churning = true;
    const churnStart = Date.now();
    /** A peer coming back (reloaded, thawed, or a new tab in place of a lost one) beside the schedule, which never waits for it. */
    const comeback = (what: string, work: () => Promise<Peer>) => {
      const running = work().then(
        (peer) => {
          live.add(peer);
          down--;
          logEvent('soak-back', { what, peer: peer.host, atMs: Date.now() - churnStart });
        },
        (err: Error) => logEvent('soak-comeback-failed', { what, message: err.message.slice(0, 300) }),
      );
      comebacks.push(running);
    };
    const replace = async (lost: 'crash' | 'close'): Promise<Peer> => {
      const fresh = await (lost === 'crash' ? tabs.crashable() : tabs.normal());
      await rejoin(fresh);
      return fresh;
    };

    const work = churnWork({ loops: WORKERS, rounds: 100_000, prefix: 'soak-put', maxKiB: 256, rng, livePeer: randomLive, stored, going: () => churning });
    const sampler = (async () => {
      for (let n = 0; churning && n < plan.churnMs / SAMPLE_MS + 10; n++) {
        const at = Date.now();
        try {
          const seen = await states([...live].map((p) => p.page));
          const copies = new Map<string, number>();
          for (const st of seen) for (const name of [...st.files, ...st.backUpFiles]) copies.set(name, (copies.get(name) ?? 0) + 1);
          const health = tracker.add({ atMs: at - churnStart, copies }, stored.keys());
          if (health.underReplicated > 0 || n % 10 === 0) logEvent('soak-health', { atMs: at - churnStart, live: seen.length, down, ...health });
        } catch {
          // A tab went down between the list and the read: the next sample sees the new ring.
        }
        await pace(at + SAMPLE_MS);
      }
    })();

    let replacements: Array<'crash' | 'close'> = [];
    for (let tick = 1; tick * EVENT_EVERY_MS <= plan.churnMs; tick++) {
      await pace(churnStart + tick * EVENT_EVERY_MS);
      // A peer lost at the last event is replaced now: the ring has had one period to repair without it.
      for (const lost of replacements) comeback('joined', () => replace(lost));
      replacements = [];
      if (down >= MAX_DOWN) {
        skipped++;
        continue;
      }
      const { action, victim } = nextEvent(ROTATION, events, live, rng);
      down++;
      const atMs = Date.now() - churnStart;
      if (action === 'crash') {
        victim.kill!();
        tracker.crashed(atMs);
        replacements.push('crash');
      } else if (action === 'close') {
        await victim.page.close();
        replacements.push('close');
      } else if (action === 'reload') {
        comeback('reloaded', async () => {
          await victim.page.reload();
          await waitFor(victim.page, () => Boolean(window.dht?.host), { timeoutMs: 15_000, what: `${victim.name} back after its reload` });
          await rejoin(victim);
          return victim;
        });
      } else {
        const sleepMs = FREEZES_MS[(events.freeze - 1) % FREEZES_MS.length]!;
        comeback('thawed', () => sleepFor(victim, sleepMs).then(() => victim));
      }
      logEvent('soak-event', { tick, action, peer: victim.host, live: live.size, atMs });
    }
    churning = false;
    await Promise.all([work.done, sampler]);
    const { wrong, ...counts } = work.counts;
    await Promise.all(comebacks);
    for (const lost of replacements) live.add(await replace(lost));
    logEvent('soak-churn-done', { events, skipped, ...counts, wrong: wrong.slice(0, 20), live: live.size, ms: Date.now() - started });

    // ---- every file back ----------------------------------------------------------------------------------
    const survivors = [...live];
    const names = [...stored.keys()];
    const settleStart = Date.now();
    const placed = await waitForPlacement(survivors.map((p) => p.page), names, settleMs).then(
      () => true,
      (err: Error) => (logEvent('soak-placement-failed', { message: err.message.slice(0, 2000) }), false),
    );
    const placementSettledMs = placed ? Date.now() - settleStart : null;
    // Each file from one tab, the tabs in turn; a file that does not come back is asked of another tab before it counts as lost.
    const share = (tab: number) => names.filter((_, i) => i % survivors.length === tab);
    const got = new Map<string, string | null>();
    for (let tab = 0; tab < survivors.length; tab++) {
      const mine = share(tab);
      (await hashesFrom(survivors[tab]!.page, mine, VERIFY_PARALLEL)).forEach((hash, i) => got.set(mine[i]!, hash));
      // The read-back of a full-size run took over 20 minutes on this machine: say how far it is.
      logEvent('soak-verify-progress', { tab, read: got.size, of: names.length, matched: names.filter((n) => got.get(n) === stored.get(n)).length, ms: Date.now() - settleStart });
    }
    const missed = names.filter((name) => got.get(name) !== stored.get(name));
    if (missed.length > 0) {
      (await hashesFrom(survivors[survivors.length - 1]!.page, missed, VERIFY_PARALLEL)).forEach((hash, i) => hash === stored.get(missed[i]!) && got.set(missed[i]!, hash));
    }
    const lost = names.filter((name) => got.get(name) !== stored.get(name));
    if (lost.length > 0) logEvent('soak-lost', { names: lost.slice(0, 20), got: lost.slice(0, 20).map((n) => String(got.get(n)).slice(0, 160)) });

    const oneCopy = tracker.oneCopy(names);
    const repairs = tracker.repairs();
    const repaired = repairs.filter((ms): ms is number => ms !== undefined);
    return {
      plan: { tabs: plan.tabs, minutes: plan.churnMs / 60_000, files: plan.files, maxFileMiB: plan.maxFileBytes / MiB, seed: plan.seed },
      machine: { cpus: cpus().length, node: process.version, loadAverage },
      events,
      eventsSkipped: skipped,
      filesStored: stored.size,
      filesVerified: names.length - lost.length,
      filesLost: lost.length,
      storedMiB: round(bytes / MiB),
      oneCopy: { ...percentiles(oneCopy.totalMs), longestStretchMs: oneCopy.longestMs, files: oneCopy.files, sampleMs: SAMPLE_MS },
      repair: { crashes: repairs.length, repaired: repaired.length, p50Ms: repaired.length ? quantile(repaired, 0.5) : null, p99Ms: repaired.length ? quantile(repaired, 0.99) : null },
      puts: { attempted: counts.putsAttempted, failed: counts.putsFailed },
      gets: { attempted: counts.getsAttempted, failed: counts.getsFailed, wrong: counts.getsWrong },
      setupPlaced,
      placed,
      placementSettledMs,
      totalMs: Date.now() - started,
    };
  });
}

const parsed = parseSoakOptions(process.argv.slice(2));
if (parsed.ok === 'help') {
  process.stdout.write(`${USAGE}\n`);
} else if (!parsed.ok) {
  process.stderr.write(`${parsed.error}\n${USAGE}\n`);
  process.exitCode = 2;
} else {
  const plan = parsed.plan;
  // Bounded: past the churn, setup and the final check get as long as the file bytes say, then the soak gives up.
  const limitMs = plan.churnMs + 4 * (SETTLE_BASE_MS + (plan.files * plan.maxFileBytes) / 20 / SETTLE_BYTES_PER_MS);
  const guard = setTimeout(() => {
    logEvent('soak-time-limit', { limitMs });
    process.exit(1);
  }, limitMs);
  guard.unref();
  try {
    const results = await soak(plan);
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(results)}\n`);
  } catch (err) {
    logEvent('soak-failed', { message: (err as Error).message.slice(0, 2000) });
    process.exitCode = 1;
  } finally {
    clearTimeout(guard);
  }
}
