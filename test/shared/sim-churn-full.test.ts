/**
 * Issue 4's churn at full size: 1,000 peers, 10,000 files, 30% of the peers crash or leave over three rounds
 * while as many join. Upkeep runs at a fifth of a tab's rate (the same protocol with a fifth of the events),
 * which keeps it to about a minute; `npm run sim -- --nodes 1000 --files 10000 --churn 0.3 --rounds 3
 * --upkeep 5 --seed 7` runs the same scenario.
 */
import { expect, it } from 'vitest';
import { expectChurnSurvived } from './churn-outcome';
import { runScenario, slowerUpkeep } from '../../shared/sim/scenario';

it('1,000 peers, 10,000 files, 30% churn: each round repaired, every file where it belongs and retrievable byte-identical', { timeout: 600_000 }, async () => {
  const result = await runScenario({ seed: 7, nodes: 1000, files: 10_000, churn: 0.3, rounds: 3, lookups: 500, config: slowerUpkeep(5) });
  console.log(JSON.stringify({ event: 'churn-scenario', ...result }));
  expect(result.crashed + result.left).toBe(300);
  expect(result.joined).toBe(300);
  expectChurnSurvived(result);
  expect(result.getsChecked).toBe(10_000);
  expect(result.files).toBe(10_000);
});
