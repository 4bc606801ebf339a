import { describe, expect, it } from 'vitest';
import { FILE_RADIUS, PEER_RADIUS, ownedRange, ringDots, type RingInput } from '../../client/ui/ring-model';

const base: RingInput = {
  m: 8,
  n: 256,
  self: { address: 'me', key: 64 },
  successor: 'next',
  predecessor: 'prev',
  peers: [
    { address: 'prev', key: 0 },
    { address: 'next', key: 128 },
    { address: 'far', key: 192 },
  ],
  owned: [{ name: '<img src=x onerror=alert(1)>.txt', key: 32 }],
  backups: [{ name: 'b.bin', key: 10 }],
};

describe('ringDots', () => {
  it('marks self, successor and predecessor, and draws self last', () => {
    const peers = ringDots(base).filter((dot) => dot.kind === 'peer');
    expect(peers.map((dot) => dot.classes)).toEqual([['predecessor'], ['successor'], [], ['self']]);
    const self = peers.at(-1)!;
    expect(self.x).toBeCloseTo(PEER_RADIUS);
    expect(self.y).toBeCloseTo(0);
    expect(self.title).toBe('me\nkey 40\nthis tab');
  });

  it('lists each peer once, even when self and duplicates are among the known peers', () => {
    const dots = ringDots({ ...base, peers: [...base.peers, { address: 'me', key: 64 }, { address: 'far', key: 192 }] });
    expect(dots.filter((dot) => dot.kind === 'peer')).toHaveLength(4);
  });

  it('gives a lone peer every role', () => {
    const dots = ringDots({ ...base, successor: 'me', predecessor: 'me', peers: [] });
    expect(dots.filter((dot) => dot.kind === 'peer').map((dot) => dot.classes)).toEqual([['self', 'successor', 'predecessor']]);
  });

  it('places owned and backed-up files on the inner circle with their names in the title', () => {
    const files = ringDots(base).filter((dot) => dot.kind === 'file');
    expect(files.map((dot) => dot.classes)).toEqual([['owned'], ['backup']]);
    expect(files[0]!.title).toBe('<img src=x onerror=alert(1)>.txt\nkey 20\nowned here');
    expect(Math.hypot(files[0]!.x, files[0]!.y)).toBeCloseTo(FILE_RADIUS);
    expect(files[0]!.x).toBeCloseTo(FILE_RADIUS * Math.SQRT1_2);
  });
});

describe('ownedRange', () => {
  it('arcs from the predecessor to this tab', () => {
    expect(ownedRange(base)).toBe(`M 0 -${PEER_RADIUS} A ${PEER_RADIUS} ${PEER_RADIUS} 0 0 1 ${PEER_RADIUS} 0`);
  });

  it('is the whole ring for a lone peer and unknown without a predecessor', () => {
    expect(ownedRange({ ...base, predecessor: 'me' })).toMatch(/^M 0 -100 A .* A /);
    expect(ownedRange({ ...base, predecessor: '' })).toBeUndefined();
    expect(ownedRange({ ...base, predecessor: 'stranger' })).toBeUndefined();
  });
});
