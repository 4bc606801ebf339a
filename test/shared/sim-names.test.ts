/**
 * Names belong to their first writer (issue #16), in the simulator on several seeds: the ports of
 * ../shared/repro/overwrite.mts and owner-serves-fake.mts, and two writers racing for a free name.
 */
import { describe, expect, it } from 'vitest';
import type { LocalFiles } from '../../shared/ring/files/local-files';
import { hashKey } from '../../shared/ring/id';
import type { ChunkSource, Envelope } from '../../shared/ring/types';
import { syncDigest } from '../../shared/sim/digest';
import { Simulation, type SimPeer } from '../../shared/sim/simulation';
import { sourceFromBytes } from '../../shared/transfer/source';
import { RACE_WINDOW_MS, compareRecords } from '../../shared/trust/order';
import { fileRecord, signRecord } from '../../shared/trust/record';
import { toWireMeta, type WireMeta } from '../../shared/wire/file-meta';
import { LIMIT_MS, heldRoots } from './sim-records';

const SEEDS = [1, 2, 3];
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A peer's own files, to serve a version it made up (as the repro scripts do). */
const localOf = (peer: SimPeer) => (peer.node as unknown as { local: LocalFiles }).local;

/** `meta` with a record signed by `peer`'s key: what a hostile peer can make. */
async function signedBy(sim: Simulation, peer: SimPeer, source: ChunkSource, version: number, writer?: string): Promise<WireMeta> {
  const identity = sim.signers.identity(peer.address);
  const record = fileRecord(toWireMeta(source.meta), version, identity.publicKey, false);
  const signed = await signRecord(identity, record);
  // A forgery names another writer over this key's signature.
  return { ...toWireMeta(source.meta), signed: writer ? { ...signed, record: { ...record, writer } } : signed };
}

function offer(sim: Simulation, from: SimPeer, to: string, meta: WireMeta, replicate: boolean): Promise<string> {
  const body = { type: 'offer', meta, role: 'file', sources: [from.address], replicate };
  return sim.clock.drive(
    from.transport.request(to, { body }, { timeoutMs: 30_000 }).then(
      () => 'stored',
      (err: { code?: string }) => err.code ?? 'error',
    ),
    LIMIT_MS,
  );
}

describe('overwrite', () => {
  it.each(SEEDS)('a second writer is refused with name-taken; every peer reads the first writer; the writer replaces its file (seed %i)', async (seed) => {
    const sim = new Simulation({ seed, config: { chunkSize: 1000 } });
    const peers = await sim.createRing(8);
    const [alice, mallory] = [peers[0]!, peers[5]!];
    const original = enc.encode('original by alice, '.repeat(300));
    await sim.putFile('report.pdf', original, alice.address);
    expect(await sim.converge(20_000, { placement: true })).toBe(true);
    const [owner] = sim.replicasOf('report.pdf');

    // Mallory's put: refused before a byte of hers is offered.
    const evil = await sourceFromBytes('report.pdf', enc.encode('EVIL '.repeat(2000)), 1000, syncDigest);
    const offers: string[] = [];
    const send = sim.network.send.bind(sim.network);
    sim.network.send = (from, to, msg: Envelope, opts) => {
      if (from.address === mallory.address && msg.body.type === 'offer') offers.push(to);
      return send(from, to, msg, opts);
    };
    const put = sim.clock.drive(mallory.node.put(evil), LIMIT_MS);
    await expect(put).rejects.toMatchObject({ code: 'name-taken', message: expect.stringMatching(/^"report\.pdf" belongs to another writer \([0-9a-f-]+\); choose another name$/) });
    expect(offers).toEqual([]);

    // The repro's attack: a bare offer to the owner, unsigned, signed by her own key, or forged as Alice's,
    // once the name's race window is over (during it a copy may still win the name: shared/trust/order).
    await sim.stabilize(RACE_WINDOW_MS);
    localOf(mallory).serve(evil);
    expect(await offer(sim, mallory, owner!, toWireMeta(evil.meta), true)).toBe('bad-message');
    expect(await offer(sim, mallory, owner!, await signedBy(sim, mallory, evil, 99), true)).toBe('name-taken');
    expect(await offer(sim, mallory, owner!, await signedBy(sim, mallory, evil, 99), false)).toBe('name-taken');
    expect(await offer(sim, mallory, owner!, await signedBy(sim, mallory, evil, 2, alice.node.writer), false)).toBe('corrupt');
    await sim.stabilize(5000);
    expect([...new Set(heldRoots(sim, 'report.pdf').values())]).toEqual([sim.files.get('report.pdf')!.root]);
    for (const p of sim.live()) expect(dec.decode((await sim.getFile('report.pdf', p.address))!), p.address).toBe(dec.decode(original));

    // Alice replaces her file.
    const replaced = await sourceFromBytes('report.pdf', enc.encode('second by alice'), 1000, syncDigest);
    expect(await sim.clock.drive(alice.node.put(replaced, { replicated: true }), LIMIT_MS)).toMatchObject({ version: 2, writer: alice.node.writer });
    for (const p of sim.live()) expect(dec.decode((await sim.getFile('report.pdf', p.address))!), p.address).toBe('second by alice');
  });
});

describe('owner serves fake', () => {
  it.each(SEEDS)("a peer placed as the file's owner cannot answer gets with a version of its own (seed %i)", async (seed) => {
    const sim = new Simulation({ seed });
    const peers = await sim.createRing(8);
    const real = enc.encode('alice,100\nbob,100\n'.repeat(6000));
    await sim.putFile('payroll.csv', real, peers[1]!.address);
    expect(await sim.converge(20_000, { placement: true })).toBe(true);
    // Mallory grinds an id that makes her the owner of the name.
    const key = hashKey('payroll.csv', sim.m);
    const owner = sim.peer(sim.replicasOf('payroll.csv')[0]!);
    const address = sim.addressBetween(key - 1n, owner.key, 'm');
    const fake = await sourceFromBytes('payroll.csv', enc.encode('alice,100\nbob,100\nmallory,99999\n'.repeat(4000)), 240 * 1024, syncDigest);
    const m = await sim.addNode(address);
    const answers = [
      toWireMeta(fake.meta), // unsigned, as in the repro
      await signedBy(sim, m, fake, 99), // signed by her own key
      await signedBy(sim, m, fake, 2, sim.peer(peers[1]!.address).node.writer), // forged as the writer's
    ];
    let answer = answers[0]!;
    const handler = m.transport.handler!;
    m.transport.handler = async (from, msg) =>
      msg.body.type === 'meta' && msg.body.name === 'payroll.csv' ? { body: { type: 'meta', meta: answer } } : handler(from, msg);
    localOf(m).serve(fake);
    await sim.join(m, peers[0]!.address);
    await sim.stabilize(5000);
    expect(sim.replicasOf('payroll.csv')[0]).toBe(m.address);

    // The honest replicas answer a little late (within a get's grace), so every get hears the lie first.
    for (const p of sim.live().filter((p) => p !== m)) {
      const honest = p.transport.handler!;
      p.transport.handler = async (from, msg) => {
        if (msg.body.type === 'meta') await new Promise<void>((resolve) => sim.clock.setTimeout(resolve, 100));
        return honest(from, msg);
      };
    }
    const readers = sim.live().filter((p) => p !== m).slice(0, 4);
    const counted = () => readers.reduce((n, p) => n + p.node.stats.badRecords + p.node.stats.disagreements, 0);
    for (const lie of answers) {
      answer = lie;
      const before = counted();
      for (const p of readers) {
        const got = await sim.getFile('payroll.csv', p.address);
        expect(dec.decode(got!) === dec.decode(real), `${p.address} reads the real file`).toBe(true);
      }
      // Bypassed and counted by every reader: a record that does not check, or a writer the others do not name.
      expect(counted()).toBe(before + readers.length);
    }
  });
});

describe('two writers racing for a free name', () => {
  it.each(SEEDS.flatMap((seed) => [[seed, 0, 1], [seed, 1, 0]] as const))('end with one winner on every replica (seed %i, writer %i first)', async (seed, first, second) => {
    const sim = new Simulation({ seed });
    const peers = await sim.createRing(8);
    const outsiders = peers.filter((p) => !sim.replicasOf('race.txt').includes(p.address));
    const writers = [outsiders[0]!, outsiders[1]!];
    const sources = await Promise.all(writers.map((w) => sourceFromBytes('race.txt', enc.encode(`by ${w.address}`), 1000, syncDigest)));
    // Both start together; the one listed first starts a millisecond sooner.
    const puts = [first, second].map((i, order) =>
      (async () => {
        if (order > 0) await new Promise<void>((resolve) => sim.clock.setTimeout(resolve, 1));
        return writers[i]!.node.put(sources[i]!, { replicated: true });
      })().then(
        () => 'put',
        (err: { code?: string }) => err.code ?? 'error',
      ),
    );
    const outcomes = await sim.clock.drive(Promise.all(puts), LIMIT_MS);
    expect([...outcomes].sort()).toEqual(['name-taken', 'put']);
    expect(await sim.converge(20_000, { placement: true })).toBe(true);
    const winner = outcomes[0] === 'put' ? first : second;
    expect([...new Set(heldRoots(sim, 'race.txt').values())]).toEqual([sources[winner]!.meta.root]);
    for (const p of sim.live()) expect(dec.decode((await sim.getFile('race.txt', p.address))!), p.address).toBe(`by ${writers[winner]!.address}`);
  });
});

describe('replicas holding two writers of a young name', () => {
  it.each(SEEDS.flatMap((seed) => [[seed, 0], [seed, 1]] as const))(
    'converge on the one the contest picks, whatever each got first (seed %i, the third replica holds writer %i)',
    async (seed, third) => {
      const sim = new Simulation({ seed });
      await sim.createRing(8);
      const name = 'young.txt';
      const tester = sim.network.transport('tester');
      const copies = await Promise.all(
        ['writer-a', 'writer-b'].map(async (who) => {
          const bytes = enc.encode(`by ${who}`);
          const source = await sourceFromBytes(name, bytes, 1000, syncDigest);
          const identity = sim.signers.identity(who);
          const signed = await signRecord(identity, fileRecord(toWireMeta(source.meta), 1, identity.publicKey, false));
          return { bytes, root: source.meta.root, meta: { ...toWireMeta(source.meta), signed } };
        }),
      );
      const copy = (to: string, i: number) =>
        tester.request(to, { body: { type: 'offer', meta: copies[i]!.meta, role: 'backup', sources: ['tester'], replicate: false }, data: copies[i]!.bytes }, { timeoutMs: 5000 });
      const [r0, r1, r2] = sim.replicasOf(name) as [string, string, string];
      const settle = (p: Promise<unknown>) => sim.clock.drive(p.then(() => 'stored', (err: { code?: string }) => err.code), 10_000);
      await settle(copy(r0, 0));
      await settle(copy(r0, 1));
      await settle(copy(r1, 1));
      await settle(copy(r1, 0));
      await settle(copy(r2, third));
      const winner = compareRecords(copies[0]!.meta.signed, copies[1]!.meta.signed) > 0 ? 0 : 1;
      await sim.stabilize(5000);
      const roots = heldRoots(sim, name);
      for (const r of [r0, r1, r2]) expect(roots.get(r), r).toBe(copies[winner]!.root);
      for (const p of sim.live()) expect(dec.decode((await sim.getFile(name, p.address))!), p.address).toBe(`by writer-${'ab'[winner]}`);
      // Once the window is over the name is settled: the loser's copy is refused everywhere.
      await sim.stabilize(RACE_WINDOW_MS);
      expect(await settle(copy(r0, 1 - winner))).toBe('name-taken');
    },
  );
});
