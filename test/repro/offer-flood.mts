// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/offer-flood.mts, adapted: ChordNode.call no longer exists; the offer goes through the transport.
// Run from the project's root: npx tsx test/repro/offer-flood.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const { toWireMeta } = await import(new URL('shared/wire/file-meta.ts', root).href); // adapted: moved
const sim = new Simulation({ seed: 9, latencyMs: [5, 20], config: { chunkSize: 1024 } });
const peers = await sim.createRing(8);
const name = 'big.iso';
await sim.putFile(name, sim.rng.bytes(200 * 1024)); // 200 chunks
await sim.converge(20000, { placement: true });
const reps = sim.replicasOf(name);
const meta = sim.peer(reps[0]!).node.stored(name)!;
// E7: a ~300-byte offer names the real (name, root) and honest holders as sources, sent to a peer that is no replica
const z = sim.live().find((p) => !reps.includes(p.address))!, mallory = sim.live().find((p) => !reps.includes(p.address) && p !== z)!;
let chunkReqs = 0;
for (const a of reps) { const p = sim.peer(a); const h = p.transport.handler!; p.transport.handler = (f, m) => { if (m.body.type === 'chunk') chunkReqs++; return h(f, m); }; }
for (let round = 0; round < 5; round++) {
  await sim.clock.drive(mallory.transport.request(z.address, { body: { type: 'offer', meta: toWireMeta(meta), role: 'backup', sources: reps, replicate: false } }, { timeoutMs: 60000 }).catch((e) => console.log('offer refused:', e.code)), 70000); // adapted: the transport, not node.call
  await sim.stabilize(2000);
}
console.log(`E7: 5 offers of ~300 B made ${z.address} pull ${chunkReqs} chunks (${chunkReqs} KiB) from the honest holders; it holds the file now: ${!!z.node.stored(name)}`);
// E8: a backup whose store is full: the owner retries the whole transfer every maintenance round
const b2 = sim.peer(reps[2]!);
await sim.clock.drive(b2.store.remove(name), 1000); (b2.node as any).local.index.delete(name); (b2.node as any).local.touch();
(b2.store as any).quotaBytes = b2.store.bytesUsed + 100 * 1024; // room for half the file
chunkReqs = 0;
await sim.stabilize(20000);
console.log(`E8: in 20 s the full backup ${b2.address} asked for ${chunkReqs} chunks of a 200-chunk file; holds it: ${!!b2.node.stored(name)}`);
process.exit(0);
