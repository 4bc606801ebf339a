import { describe, expect, it } from 'vitest';
import { LINK_IDLE_MS, type LinkPolicy } from '../../client/net/connection-budget';
import type { Link } from '../../client/net/link';
import { BYE_RETRY_MS, LinkTrimmer, RETIRE_GRACE_MS, TRIM_MS } from '../../client/net/link-trimmer';
import { TransportError } from '../../client/net/transport-error';
import { SimClock } from '../../shared/sim/clock';
import { openLink, quietLog, type FakeLink } from './fake-link';

function policy(budget: number, neighbours: string[] = [], fingers: string[] = []): LinkPolicy {
  return { budget: () => budget, neighbours: () => new Set(neighbours), fingers: () => new Set(fingers), inRing: () => true };
}

/** A trimmer over `links`, as the transport's map of links in use. */
function setup(links: FakeLink[]) {
  const clock = new SimClock();
  const inUse = new Map<string, Link>(links.map((link) => [link.peer, link]));
  const trimmer = new LinkTrimmer({
    address: 'self',
    clock,
    log: quietLog,
    openLinks: () => [...inUse.values()].filter((link) => link.state === 'open'),
    isCurrent: (link) => inUse.get(link.peer) === link,
    release: (link) => inUse.delete(link.peer),
  });
  return { clock, inUse, trimmer };
}

const byes = (link: FakeLink) => link.requests.filter((r) => r.body.type === 'bye').length;

describe('LinkTrimmer', () => {
  it('asks the least recently used idle links to close, every trim period, and lets them go once they agree', async () => {
    const links = [openLink('old', 0), openLink('newer', 100), openLink('newest', 200), openLink('succ', 0)];
    const { clock, inUse, trimmer } = setup(links);
    trimmer.setPolicy(policy(2, ['succ']));
    await clock.runFor(TRIM_MS - 1);
    expect(links.map(byes)).toEqual([0, 0, 0, 0]);
    await clock.runFor(1);
    // Two over the budget: the two used longest ago, never the neighbour.
    expect(links.map(byes)).toEqual([1, 1, 0, 0]);
    expect(trimmer.closed).toBe(2);
    expect([...inUse.keys()]).toEqual(['newest', 'succ']);
    expect(links[0]!.letGo).toMatchObject({ how: 'when-idle', graceMs: RETIRE_GRACE_MS });
    // Their close is agreed on: no news of the peer.
    expect(trimmer.linkClosed(links[0]!)).toBe(false);
    trimmer.close();
  });

  it('keeps busy links and links used within the idle time, even over the budget', async () => {
    const busy = openLink('busy', 0);
    busy.busy = true;
    const links = [busy, openLink('fresh', TRIM_MS - LINK_IDLE_MS + 1), openLink('idle', 0)];
    const { clock, trimmer } = setup(links);
    trimmer.setPolicy(policy(0));
    await clock.runFor(TRIM_MS);
    expect(links.map(byes)).toEqual([0, 0, 1]);
    trimmer.close();
  });

  it('does not count a link with its bye on the way, and after a refusal does not ask again for BYE_RETRY_MS', async () => {
    const stubborn = openLink('stubborn', 0);
    let refuse!: (err: Error) => void;
    stubborn.respond = () => new Promise((_, reject) => (refuse = reject));
    const { clock, trimmer } = setup([stubborn, openLink('kept', 5_000_000)]);
    trimmer.setPolicy(policy(1));
    await clock.runFor(TRIM_MS);
    expect(byes(stubborn)).toBe(1);
    expect(trimmer.counts(stubborn)).toBe(false);
    refuse(new TransportError('last-link', 'the only link'));
    await clock.settle();
    expect(trimmer.counts(stubborn)).toBe(true);
    expect(trimmer.closed).toBe(0);
    await clock.runFor(BYE_RETRY_MS - TRIM_MS);
    expect(byes(stubborn)).toBe(1);
    await clock.runFor(TRIM_MS);
    expect(byes(stubborn)).toBe(2);
    trimmer.close();
  });

  it('makes room for a link about to open, and does nothing without a policy', async () => {
    const links = [openLink('a', 0), openLink('b', 10)];
    const { clock, trimmer } = setup(links);
    trimmer.trim(1);
    expect(links.map(byes)).toEqual([0, 0]);
    trimmer.setPolicy(policy(2));
    await clock.runFor(TRIM_MS);
    expect(links.map(byes)).toEqual([0, 0]);
    trimmer.trim(1);
    expect(links.map(byes)).toEqual([1, 0]);
    trimmer.close();
  });

  it("agrees to the far end's bye and leaves the closing to it, unless the link is our last", () => {
    const only = openLink('only');
    const { trimmer, inUse } = setup([only]);
    trimmer.onBye(only, 7);
    expect(only.answers).toEqual([{ id: 7, error: { code: 'last-link', message: 'only is the only peer self is linked to' } }]);
    expect(inUse.has('only')).toBe(true);
    const other = openLink('other');
    inUse.set('other', other);
    trimmer.onBye(other, 8);
    expect(other.answers).toEqual([{ id: 8, body: { type: 'ok' } }]);
    expect(other.letGo).toMatchObject({ how: 'after', graceMs: RETIRE_GRACE_MS });
    expect(inUse.has('other')).toBe(false);
    expect(trimmer.closed).toBe(1);
    expect(trimmer.close()).toEqual([other]);
  });

  it('stops its timer on close', async () => {
    const { clock, trimmer } = setup([openLink('a')]);
    expect(clock.pending).toBe(1);
    trimmer.close();
    expect(clock.pending).toBe(0);
  });
});
