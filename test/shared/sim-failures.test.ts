/** Crashes, message loss and partitions on the simulator: the ring repairs itself and keeps every file. */
import { describe, expect, it } from 'vitest';
import { hashKey } from '../../shared/ring/id';
import { StoreError } from '../../shared/ring/errors';
import { Simulation } from '../../shared/sim/simulation';

async function putFiles(sim: Simulation, count: number): Promise<void> {
  const entries = Array.from({ length: count }, (_, i): [string, Uint8Array] => [`file-${i}`, sim.rng.bytes(sim.rng.int(16, 2048))]);
  expect(await sim.putFiles(entries)).toEqual([]);
}

/** Lost, under-replicated and misplaced files; for the first few, where they should be and where they are. */
function placementSummary(sim: Simulation) {
  const p = sim.placement();
  const where = (names: string[]) => names.slice(0, 5).map((name) => ({ name, should: sim.replicasOf(name), is: sim.holders(name) }));
  return { lost: p.lost, underReplicated: where(p.underReplicated), misplaced: where(p.misplaced) };
}

const PLACED = { lost: [], underReplicated: [], misplaced: [] };

describe('crashes', () => {
  it('two adjacent peers crashing at once (r = 3) in a 50-peer ring with 500 files: no file lost, replication restored', async () => {
    const sim = new Simulation({ seed: 51, r: 3 });
    await sim.createRing(50);
    await putFiles(sim, 500);
    expect(await sim.converge(30_000, { placement: true })).toBe(true);

    const view = sim.view();
    // The pair owning the most files, so the crash really takes two of three copies of many files.
    let first = 0;
    const owned = (i: number) => view.at(i).node.files.length + view.at(i + 1).node.files.length;
    for (let i = 1; i < view.peers.length; i++) if (owned(i) > owned(first)) first = i;
    const a = view.at(first).address;
    const b = view.at(first + 1).address;
    sim.crash(a);
    sim.crash(b);
    const right = sim.placement();
    expect(right.underReplicated.length).toBeGreaterThan(0);
    expect(right.lost).toEqual([]);

    const converged = await sim.converge(60_000, { placement: true });
    expect(placementSummary(sim)).toEqual(PLACED);
    expect(sim.checkRing().problems).toEqual([]);
    expect(converged).toBe(true);
    const gets = await sim.checkGets();
    expect(gets).toEqual({ checked: 500, missing: [], corrupt: [], failed: [] });
  });
});

describe('message loss', () => {
  it('a ring built under 5% message loss converges', async () => {
    const sim = new Simulation({ seed: 61, loss: 0.05 });
    await sim.createRing(50);
    await sim.stabilize(10_000);
    expect(sim.checkRing().problems).toEqual([]);
    expect(sim.network.stats.lost).toBeGreaterThan(1000);
  });

  it('files put and kept under 5% message loss: the ring stays converged and no file is lost', async () => {
    const sim = new Simulation({ seed: 62 });
    await sim.createRing(50);
    sim.network.setLoss(0.05);
    await putFiles(sim, 300);
    await sim.stabilize(30_000);
    // Under loss a live neighbour is now and then suspected for a moment (two lost requests in a row), so the
    // ring is checked for coming right again, not frozen at one instant.
    const convergedUnderLoss = await sim.converge(10_000);
    expect(sim.checkRing().problems).toEqual([]);
    expect(convergedUnderLoss).toBe(true);
    // While messages keep getting lost a copy may sit a round on the wrong side of a neighbour; none may vanish.
    const underLoss = sim.placement();
    expect({ lost: underLoss.lost, underReplicated: underLoss.underReplicated }).toEqual({ lost: [], underReplicated: [] });
    const gets = await sim.checkGets();
    expect(gets).toEqual({ checked: 300, missing: [], corrupt: [], failed: [] });
    expect(sim.network.stats.lost).toBeGreaterThan(1000);
    // Once the loss stops, every copy is exactly where it belongs.
    sim.network.setLoss(0);
    expect(await sim.converge(30_000, { placement: true })).toBe(true);
    expect(placementSummary(sim)).toEqual(PLACED);
  });
});

describe('partitions', () => {
  it('a ring split into two random halves converges back into one ring once healed, keeping every file', async () => {
    const sim = new Simulation({ seed: 71 });
    await sim.createRing(40);
    await putFiles(sim, 200);
    expect(await sim.converge(30_000, { placement: true })).toBe(true);

    const addresses = sim.rng.shuffle(sim.live().map((p) => p.address));
    const half = addresses.slice(0, 20);
    sim.network.partition(half, addresses.slice(20));
    await sim.stabilize(20_000);
    // Each side noticed: no peer still points across the split.
    const across = sim.live().filter(({ address, node }) => half.includes(address) !== half.includes(node.successor));
    expect(across).toEqual([]);

    sim.network.heal();
    const converged = await sim.converge(120_000);
    expect(sim.checkRing().problems).toEqual([]);
    expect(converged).toBe(true);
    await sim.converge(60_000, { placement: true });
    expect(sim.placement().lost).toEqual([]);
  });
});

describe('a successor that does not answer', () => {
  it('a lookup for a key just past it asks the next successor instead of failing', async () => {
    const sim = new Simulation({ seed: 81 });
    await sim.createRing(20);
    expect(await sim.converge(30_000)).toBe(true);
    const view = sim.view();
    const [asker, silent, next] = [view.at(0), view.at(1), view.at(2)];
    // Only `silent` lies between the asker and this key, so no finger leads around it (a churn run's verify
    // read 4 files as lookup-failed while the reader's successor answered nothing for a few seconds).
    sim.network.partition([asker.address], [silent.address]);
    const found = await sim.clock.drive(asker.node.lookup(next.key), 10_000);
    expect(found.owner).toBe(next.address);
  });
});

describe('an owner its predecessor has lost touch with', () => {
  it('a get whose lookup passed the owner by asks the owner named by the next peer instead of reading "no such file"', async () => {
    // One copy, so the peer after the owner holds nothing of the file and every replica the lookup names says so.
    const sim = new Simulation({ seed: 82, r: 1 });
    await sim.createRing(12);
    expect(await sim.converge(30_000)).toBe(true);
    const bytes = sim.rng.bytes(3000);
    await sim.putFile('passed.bin', bytes);
    const view = sim.view();
    const owner = sim.replicasOf('passed.bin')[0]!;
    const at = view.peers.findIndex((p) => p.address === owner);
    const [before, after] = [view.at(at - 1), view.at(at + 1)];
    // The peer before the owner cannot reach it (in a tab: a busy owner answering nothing for seconds), so it
    // takes the peer after for its successor and answers lookups of the key with it. That peer still knows the owner.
    sim.network.partition([before.address], [owner]);
    await sim.stabilize(5_000);
    expect(before.node.successor).toBe(after.address);
    expect(after.node.predecessor).toBe(owner);
    const reader = view.at(at + 4);
    expect(await sim.getFile('passed.bin', reader.address)).toEqual(bytes);
    expect(reader.node.stats.passedOwners).toBeGreaterThan(0);
  });
});

describe('a newcomer that takes over a file it has not received yet', () => {
  it('a get through it reads the file from the peer handing it over instead of reading "no such file"', async () => {
    // One copy, so the old owner is the only holder while the newcomer's copy is on its way (a Firefox tab opened
    // on a share link under load joined in front of the owner and read "No file named ... in the ring").
    const sim = new Simulation({ seed: 83, r: 1 });
    await sim.createRing(6);
    expect(await sim.converge(30_000)).toBe(true);
    const bytes = sim.rng.bytes(600_000);
    await sim.putFile('handed.bin', bytes);
    const key = hashKey('handed.bin', sim.m);
    const owner = sim.peer(sim.replicasOf('handed.bin')[0]!);
    const newcomer = await sim.addNode(sim.addressBetween(key - 1n, owner.key, 'newcomer'));
    // The handover never arrives while the get runs: every offer to the newcomer is left unanswered.
    const handler = newcomer.transport.handler!;
    newcomer.transport.handler = (from, msg) => (msg.body.type === 'offer' ? new Promise(() => undefined) : handler(from, msg));
    await sim.join(newcomer, owner.address);
    await sim.stabilize(3_000);
    expect(sim.replicasOf('handed.bin')).toEqual([newcomer.address]);
    expect(newcomer.node.files).toEqual([]);
    expect(owner.node.files).toContain('handed.bin');
    expect(await sim.getFile('handed.bin', newcomer.address)).toEqual(bytes);
    expect(newcomer.node.stats.handoverAsks).toBeGreaterThan(0);
  });
});

describe('a store that refuses every write (a browser profile out of quota)', () => {
  it('an owner that cannot demote the files a newcomer took over keeps them, stays up, and demotes them once it can', async () => {
    // A soak with 16 tabs filled the origin's quota: IndexedDB then refuses even a role change, and each
    // relocation's failed demotion was an unhandled rejection in the page (50 in one run).
    const sim = new Simulation({ seed: 84 });
    await sim.createRing(6);
    expect(await sim.converge(30_000)).toBe(true);
    await sim.putFile('taken.bin', sim.rng.bytes(2000));
    expect(await sim.converge(30_000, { placement: true })).toBe(true);
    const key = hashKey('taken.bin', sim.m);
    const owner = sim.peer(sim.replicasOf('taken.bin')[0]!);
    const refuse = () => Promise.reject(new StoreError('quota-exceeded', 'storage is full (quota exceeded)'));
    const setRole = owner.store.setRole.bind(owner.store);
    owner.store.setRole = refuse;
    const newcomer = await sim.addNode(sim.addressBetween(key - 1n, owner.key, 'newcomer'));
    await sim.join(newcomer, owner.address);
    await sim.stabilize(5_000);
    expect(sim.replicasOf('taken.bin')[0]).toBe(newcomer.address);
    expect(newcomer.node.files).toContain('taken.bin');
    expect(owner.node.files).toContain('taken.bin'); // the demotion was refused
    owner.store.setRole = setRole;
    expect(await sim.converge(30_000, { placement: true })).toBe(true);
    expect(owner.node.backUpFiles).toContain('taken.bin');
  });
});
