/** The big one: 1,000 peers, 10,000 files, 30% of the peers replaced by crashes, leaves and joins over time. */
import { expect, it } from 'vitest';
import { runScenario } from '../../shared/sim/scenario';

it('1,000 peers, 10,000 files, 30% churn: every file kept where it belongs and retrievable byte-identical', { timeout: 600_000 }, async () => {
  // Upkeep at a fifth of a tab's rate: the same protocol, a fifth of the events, so a thousand peers fit in a test run.
  const config = { stabilizeMs: 1000, checkPredecessorMs: 1000, fixFingersMs: 500, maintainMs: 2000 };
  const result = await runScenario({ seed: 7, nodes: 1000, files: 10_000, churn: 0.3, rounds: 3, gets: 2000, lookups: 500, config });
  console.log(JSON.stringify({ event: 'churn-scenario', ...result }));
  expect(result.crashed + result.left).toBe(300);
  expect({
    joinsFailed: result.joinsFailed,
    putsFailed: result.putsFailed,
    lost: result.lost,
    underReplicated: result.underReplicated,
    misplaced: result.misplaced,
    ringConsistent: result.ringConsistent,
    wrongSuccessorLists: result.wrongSuccessorLists,
    wrongLookups: result.wrongLookups,
    getsFailed: result.getsFailed,
    getsCorrupt: result.getsCorrupt,
  }).toEqual({
    joinsFailed: 0,
    putsFailed: 0,
    lost: 0,
    underReplicated: 0,
    misplaced: 0,
    ringConsistent: true,
    wrongSuccessorLists: 0,
    wrongLookups: 0,
    getsFailed: 0,
    getsCorrupt: 0,
  });
  expect(result.getsChecked).toBe(2000);
  expect(result.files).toBe(10_000);
});
