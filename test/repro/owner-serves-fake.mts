// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/owner-serves-fake.mts, adapted: unchanged but for this header (it runs on the new tree as is).
// Run from the project's root: npx tsx test/repro/owner-serves-fake.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
// E2b: a peer that placed itself (ground id) as owner of one name answers 'meta' with a version of its own:
// every get returns it, although all honest replicas still hold the original.
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const { hashKey, between } = await import(new URL('shared/ring/id.ts', root).href);
const { sourceFromBytes } = await import(new URL('shared/transfer/source.ts', root).href);
const { syncDigest } = await import(new URL('shared/sim/digest.ts', root).href);
const { toWireMeta } = await import(new URL('shared/wire/peer.ts', root).href);
const M = 64, enc = new TextEncoder(), dec = new TextDecoder();
const sim = new Simulation({ seed: 3 });
const peers = await sim.createRing(8);
await sim.putFile('payroll.csv', enc.encode('alice,100\nbob,100\n'.repeat(6000)));
await sim.converge(20000, { placement: true });
const key = hashKey('payroll.csv', M);
const owner = sim.peer(sim.replicasOf('payroll.csv')[0]!);
let i = 0, a = ''; for (; ; i++) { a = `m-${i}`; if (between(hashKey(a, M), key - 1n, owner.key)) break; }
const fake = await sourceFromBytes('payroll.csv', enc.encode('alice,100\nbob,100\nmallory,99999\n'.repeat(4000)), 240 * 1024, syncDigest);
const m = await sim.addNode(a);
const orig = m.transport.handler!;
m.transport.handler = async (from, msg) =>
  msg.body.type === 'meta' && msg.body.name === 'payroll.csv' ? { body: { type: 'meta', meta: toWireMeta(fake.meta) } } : orig(from, msg);
(m.node as any).local.serve(fake);
await sim.join(m, peers[0]!.address);
await sim.stabilize(5000);
console.log('grind tries', i + 1, 'honest holders', sim.live().filter((p) => p !== m && p.node.stored('payroll.csv')).map((p) => p.address));
for (const p of sim.live().filter((p) => p !== m).slice(0, 4)) console.log('get from', p.address, dec.decode((await sim.getFile("payroll.csv", p.address))!).includes("mallory") ? "FAKE" : "original");
for (const p of sim.live()) { const r = await sim.clock.drive(p.node.lookup(key), 10000); console.log(p.address, "lookup ->", r.replicas.join(" "), "holds:", !!p.node.stored("payroll.csv")); }
process.exit(0);
