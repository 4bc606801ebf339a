/**
 * A scenario with the simulator's own speed and memory measured around it: what `npm run sim` prints and
 * the bench's simulator row reports. Kept out of `ScenarioResult`, which replays exactly from its seed.
 */
import { HeapWatch } from './heap';
import { runScenario, type ScenarioOptions, type ScenarioResult } from './scenario';

export interface SpeedFigures {
  /** Timer callbacks of the virtual clock per second of wall time. */
  eventsPerSecond: number;
  /** CPU time of the process during the run (user + system): steadier than wall time on a shared machine. */
  cpuSeconds: number;
  /** Largest V8 heap in use during the run, sampled every 50 ms of wall time. */
  peakHeapMiB: number;
}

export async function runMeasured(opts: ScenarioOptions): Promise<ScenarioResult & SpeedFigures> {
  const heap = new HeapWatch();
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await runScenario(opts);
    const wallSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    return {
      ...result,
      eventsPerSecond: Math.round(result.events / wallSeconds),
      cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
      peakHeapMiB: heap.stop(),
    };
  } finally {
    heap.stop();
  }
}
