// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/overwrite.mts, adapted: ChordNode.call no longer exists (already so on main); the bare offer goes through the transport.
// Run from the project's root: npx tsx test/repro/overwrite.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
//  any ring member replaces another person's file: a bare 'offer' to the owner, no putter, no version.
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const { sourceFromBytes } = await import(new URL('shared/transfer/source.ts', root).href);
const { syncDigest } = await import(new URL('shared/sim/digest.ts', root).href);
const { toWireMeta } = await import(new URL('shared/wire/peer.ts', root).href);
const enc = new TextEncoder(), dec = new TextDecoder();
const sim = new Simulation({ seed: 1, config: { chunkSize: 1000 } });
const peers = await sim.createRing(8);
const alice = peers[0]!, mallory = peers[5]!;
await sim.putFile('report.pdf', enc.encode('original by alice, '.repeat(300)), alice.address); // 5.7 KB, 6 chunks
await sim.converge(20000, { placement: true });
const [owner] = sim.replicasOf('report.pdf');
console.log('replicas', sim.replicasOf('report.pdf'), 'mallory', mallory.address);
// Mallory's version: multi-chunk, so the owner pulls it from her.
const evil = await sourceFromBytes('report.pdf', enc.encode('EVIL '.repeat(2000)), 1000, syncDigest);
(mallory.node as any).local.serve(evil);
const t0 = sim.clock.now();
const r = await sim.clock.drive(mallory.transport.request(owner!, { body: { type: 'offer', meta: toWireMeta(evil.meta), role: 'file', sources: [mallory.address], replicate: true } }, { timeoutMs: 30000 }).then((e: any) => e.body, (e: any) => ({ refused: e.code, message: e.message })), 60000);
console.log('offer reply', r, 'after', sim.clock.now() - t0, 'ms');
await sim.stabilize(5000);
for (const p of sim.live()) { const m = p.node.stored('report.pdf'); if (m) console.log(p.address, m.root === evil.meta.root ? 'EVIL' : 'original'); }
const got = await sim.getFile('report.pdf', peers[2]!.address);
console.log('get from', peers[2]!.address, '->', dec.decode(got!).slice(0, 30));
process.exit(0);
