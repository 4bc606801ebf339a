import { describe, expect, it } from 'vitest';
import { Rng } from '../../shared/sim/rng';
import { KeyOrder } from '../../signaling-server/key-order';
import { ringNeighbours } from './harness';

describe('KeyOrder', () => {
  it.each([1, 2, 3])('finds the same neighbours as sorting every key, through adds and removes (seed %i)', (seed) => {
    const rng = new Rng(seed);
    const order = new KeyOrder(rng.random);
    const live: string[] = [];
    for (let step = 0; step < 600; step++) {
      if (live.length > 0 && rng.below(3) === 0) {
        const [gone] = live.splice(rng.below(live.length), 1) as [string];
        order.remove(gone);
      } else {
        const id = `peer-${seed}-${step}`;
        order.add(id);
        live.push(id);
      }
      if (live.length === 0) continue;
      const probe = live[rng.below(live.length)] as string;
      const each = 1 + rng.below(5);
      expect(new Set(order.around(probe, each))).toEqual(ringNeighbours(live, probe, each));
      expect(order.size).toBe(live.length);
    }
  });

  it('lists every other peer once in a ring smaller than the neighbourhood, and nobody for an unknown id', () => {
    const order = new KeyOrder();
    for (const id of ['a', 'b', 'c']) order.add(id);
    const near = order.around('b', 4);
    expect(near).toHaveLength(2);
    expect(new Set(near)).toEqual(new Set(['a', 'c']));
    expect(order.around('nobody', 4)).toEqual([]);
    order.remove('a');
    order.remove('c');
    expect(order.around('b', 4)).toEqual([]);
  });

  it('ignores a second add and a remove of an unknown id', () => {
    const order = new KeyOrder();
    order.add('a');
    order.add('a');
    order.remove('z');
    order.add('b');
    expect(order.size).toBe(2);
    expect(order.around('a', 3)).toEqual(['b']);
  });
});
