/** What a churn scenario must end with, whatever its size: every round repaired, nothing lost, misplaced or wrong. */
import { expect } from 'vitest';
import type { ScenarioResult } from '../../shared/sim/scenario';

export function expectChurnSurvived(result: ScenarioResult): void {
  const { roundsRepaired, joinsFailed, putsFailed, lost, underReplicated, misplaced, ringConsistent, wrongSuccessorLists, wrongLookups, getsFailed, getsCorrupt } = result;
  expect({ roundsRepaired, joinsFailed, putsFailed, lost, underReplicated, misplaced, ringConsistent, wrongSuccessorLists, wrongLookups, getsFailed, getsCorrupt }).toEqual({
    roundsRepaired: result.rounds,
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
}
