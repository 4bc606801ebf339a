// @ts-nocheck: a copy of an untyped script of ../shared/repro, changed only where marked below.
// ../shared/repro/reload-rollback.mts, adapted: the restarted node gets its writer key and the simulator's verify (NodeOptions.identity, verify).
// Run from the project's root: npx tsx test/repro/reload-rollback.mts [seed]
import { pathToFileURL } from 'node:url';
const root = pathToFileURL(process.cwd() + '/');
//  a backup that reloads (keeps its id and its store, as a tab with IndexedDB does) holding an older version
// pushes it to the owner ("backup's part" of replication): a newer, fully replicated put can be rolled back.
const { Simulation } = await import(new URL('shared/sim/simulation.ts', root).href);
const { ChordNode } = await import(new URL('shared/ring/node.ts', root).href);
const { sourceFromBytes } = await import(new URL('shared/transfer/source.ts', root).href);
const { syncDigest } = await import(new URL('shared/sim/digest.ts', root).href);
const seed = Number(process.argv[2] ?? 5);
const sim = new Simulation({ seed, latencyMs: [5, 40], config: { chunkSize: 1024 } });
const peers = await sim.createRing(6);
const name = 'notes.txt';
const size = Number(process.argv[3] ?? 20000);
const s1 = await sourceFromBytes(name, sim.rng.bytes(size), 1024, syncDigest), s2 = await sourceFromBytes(name, sim.rng.bytes(size), 1024, syncDigest);
const tag = (root?: string) => (root === s1.meta.root ? 'v1' : root === s2.meta.root ? 'v2' : '--');
const [O, B1] = sim.replicasOf(name).map((a) => sim.peer(a));
const writer = sim.live().find((p) => !sim.replicasOf(name).includes(p.address))!;
await sim.clock.drive(writer.node.put(s1, { replicated: true }), 60000);
const oldStore = B1!.store;
sim.crash(B1!.address);                    // B1's tab is killed (or reloads slowly)
await sim.stabilize(5000);
await sim.clock.drive(writer.node.put(s2, { replicated: true }), 60000); // the user saves a new version: put resolves replicated
await sim.stabilize(3000);
const holders = () => sim.live().filter((p) => p.node.stored(name)).map((p) => `${p.address}:${tag(p.node.stored(name)?.root)}`).join(' ');
console.log('after v2 put, holders:', holders());
// B1 comes back with the same id and its old store (IndexedDB survives a reload)
const addr = B1!.address;
const transport = sim.network.transport(addr);
const node = new ChordNode({ transport, store: oldStore, clock: sim.clock, random: Math.random, log: sim.log.for(addr), digest: syncDigest, identity: sim.signers.identity(addr), verify: sim.signers.verify, config: { m: 64, r: 3, chunkSize: 1024 } });
const peer = { address: addr, key: node.key, node, store: oldStore, transport, state: 'new' as const };
sim.peers.set(addr, peer as any);
await sim.clock.drive(node.start(), 10000);
await sim.join(peer as any, O!.address);
let last = '';
for (let t = 0; t < 30000; t += 100) { await sim.stabilize(100); const h = holders(); if (h !== last) { console.log(`${t}ms`, h); last = h; } }
const got = await sim.getFile(name, writer.address);
console.log('get returns', got && tag((await sourceFromBytes(name, got, 1024, syncDigest)).meta.root));
process.exit(0);
