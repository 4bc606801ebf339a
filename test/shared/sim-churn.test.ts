/**
 * Churn: 30% of the peers replaced by crashes, leaves and joins over time, with a tab's upkeep periods.
 * sim-churn-full.test.ts runs the full size (1,000 peers, 10,000 files) with slower upkeep.
 */
import { expect, it } from 'vitest';
import { expectChurnSurvived } from './churn-outcome';
import { runScenario } from '../../shared/sim/scenario';

it('300 peers, 3,000 files, 30% churn: every file kept where it belongs and retrievable byte-identical', { timeout: 600_000 }, async () => {
  const result = await runScenario({ seed: 7, nodes: 300, files: 3000, churn: 0.3, rounds: 3, gets: 1000, lookups: 500 });
  console.log(JSON.stringify({ event: 'churn-scenario', ...result }));
  expect(result.crashed + result.left).toBe(90);
  expectChurnSurvived(result);
  expect(result.getsChecked).toBe(1000);
  expect(result.files).toBe(3000);
});
