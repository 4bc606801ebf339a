/**
 * What the replicas of a name hold: each is asked for its metadata, every answer's record is checked, and
 * one version is chosen, the same way for a get (which reads it), a put (which builds the next version on
 * it, or learns the name is taken) and a delete.
 *
 * The choice: answers whose record is missing, does not describe the metadata, or is not its writer's
 * signature are bypassed like a corrupt replica, counted (stats.badRecords) and told. Among the rest, the
 * writer most replicas name (a tie goes to the writer of the replica first in ring order, the owner); of
 * that writer's records, the newest (shared/trust/order). So one replica cannot answer with a version of
 * its own making while the others hold the real one. Replicas naming different writers are reported
 * (stats.disagreements). Limit: when most of the answering replicas are hostile, their writer is chosen.
 */
import { compareRecords } from '../../trust/order';
import { toWireMeta, type WireMeta } from '../../wire/file-meta';
import { betweenRightIncl } from '../id';
import type { Address } from '../types';
import type { FileParts } from './parts';

/** What a replica says it holds under a name; a small file's bytes come with it. */
export type Held = { meta: WireMeta; data?: Uint8Array };

/** How long a get waits for more replicas to answer once one has the file. */
const META_GRACE_MS = 250;

export interface Holdings {
  /** The name's owner, as the lookup found it (a put offers to it without looking it up again). */
  owner: Address;
  /** Per peer asked (the replicas, owner first, and ourselves if we hold the name): its answer, null when it holds nothing, undefined when it did not answer (or its record did not check). */
  answers: Array<Held | null | undefined>;
  /** The version chosen; undefined when no answer checked. */
  chosen?: Held;
  /** Candidates whose answer is exactly the chosen version. */
  sources: Address[];
}

export class Holders {
  constructor(private readonly parts: FileParts) {}

  /** Asks the replicas of `name` what they hold and chooses a version. */
  async ask(name: string, signal: AbortSignal | undefined): Promise<Holdings> {
    const { ctx, lookup, local } = this.parts;
    const key = ctx.keyOf(name);
    const { owner, replicas } = await lookup.run(key, ctx.address, signal);
    const candidates = [...new Set([...replicas.slice(0, ctx.config.r), ...(local.get(name) ? [ctx.address] : [])])];
    const answers = await this.checked(candidates, name, await this.metasAt(candidates, name, signal));
    const passed = answers.every((a) => a === null) ? await this.passedOwner(key, owner, candidates, signal) : undefined;
    if (passed) {
      candidates.unshift(passed);
      answers.unshift(...(await this.checked([passed], name, [await this.metaAt(passed, name, signal)])));
    }
    const chosen = this.choose(name, answers);
    const sources = chosen ? candidates.filter((_, i) => answers[i]?.meta.root === chosen.meta.root) : [];
    return { owner, answers, chosen, sources };
  }

  /**
   * When every replica says it holds nothing: the owner's predecessor, if the key is that peer's and not the
   * owner's, so the lookup went round it. A busy owner is passed over like that until the peer before it hears
   * from it again; that is the likeliest way CI read a 64 MiB file just put as "no such file" (its backups were
   * still on the way, so the peers after the owner held nothing), and a put could so take a name that exists. One request to the owner, one meta to the peer it
   * names; neither failing makes a suspect, so a liar's made-up predecessor costs one failed request.
   */
  private async passedOwner(key: bigint, owner: Address, asked: Address[], signal: AbortSignal | undefined): Promise<Address | undefined> {
    const { ctx, rpc } = this.parts;
    if (owner === ctx.address) return undefined; // our own predecessor is what made us the owner
    const pred = await rpc.request(owner, { type: 'state' }, { suspect: false, signal }).then(({ reply }) => reply.predecessor, () => null);
    if (!pred || pred === ctx.address || asked.includes(pred) || betweenRightIncl(key, ctx.keyOf(pred), ctx.keyOf(owner))) return undefined;
    ctx.stats.passedOwners++;
    return pred;
  }

  /** The answers with every unchecked record bypassed (made undefined), counted and told. */
  private async checked(candidates: Address[], name: string, answers: Array<Held | null | undefined>): Promise<Array<Held | null | undefined>> {
    const { ctx } = this.parts;
    const valid = await Promise.all(answers.map((a) => (a ? ctx.records.valid(a.meta) : true)));
    return answers.map((answer, i) => {
      if (valid[i]) return answer;
      ctx.stats.badRecords++;
      ctx.notice('warn', `Peer ${candidates[i]} answered for "${name}" with a version whose signed record does not check; read from the other replicas.`);
      return undefined;
    });
  }

  private choose(name: string, answers: Array<Held | null | undefined>): Held | undefined {
    const { ctx } = this.parts;
    const held = answers.filter((a): a is Held => !!a);
    if (held.length === 0) return undefined;
    const votes = new Map<string, number>();
    for (const a of held) votes.set(a.meta.signed!.record.writer, (votes.get(a.meta.signed!.record.writer) ?? 0) + 1);
    if (votes.size > 1) {
      ctx.stats.disagreements++;
      ctx.notice('warn', `The replicas of "${name}" name ${votes.size} different writers; reading the one most of them hold.`);
    }
    // Map order is first-seen order, so on a tie the writer of the earliest replica (the owner first) stays.
    let writer = held[0]!.meta.signed!.record.writer;
    for (const [w, n] of votes) if (n > votes.get(writer)!) writer = w;
    return held
      .filter((a) => a.meta.signed!.record.writer === writer)
      .reduce((best, a) => (compareRecords(a.meta.signed!, best.meta.signed!) > 0 ? a : best));
  }

  /**
   * What each replica holds under `name`. A dead or busy replica can take a transfer timeout to fail, so once
   * one has the file the others get META_GRACE_MS more: those that answered by then are the sources. Once
   * most of the peers agree on a version the wait ends at once (a small file's bytes come with its answer,
   * so that is the whole get); one answer alone never ends it, or one fast liar would be all a get heard.
   */
  private metasAt(peers: Address[], name: string, signal: AbortSignal | undefined): Promise<Array<Held | null | undefined>> {
    const { ctx } = this.parts;
    const metas = new Array<Held | null | undefined>(peers.length).fill(undefined);
    if (peers.length === 0) return Promise.resolve(metas);
    const majority = Math.floor(peers.length / 2) + 1;
    const agreeing = new Map<string, number>();
    return new Promise((resolve) => {
      let pending = peers.length;
      let grace: unknown;
      const done = () => {
        ctx.clock.clearTimeout(grace);
        resolve([...metas]);
      };
      peers.forEach((peer, i) =>
        void this.metaAt(peer, name, signal).then((meta) => {
          metas[i] = meta;
          const agree = meta ? (agreeing.get(meta.meta.root) ?? 0) + 1 : 0;
          if (meta) agreeing.set(meta.meta.root, agree);
          if (--pending === 0 || agree >= majority) done();
          else if (meta && grace === undefined) grace = ctx.clock.setTimeout(done, META_GRACE_MS);
        }),
      );
    });
  }

  /** A replica's metadata for `name` (with the bytes of a small file): null when it has none, undefined when it did not answer. */
  private async metaAt(peer: Address, name: string, signal: AbortSignal | undefined): Promise<Held | null | undefined> {
    const { ctx, rpc, local } = this.parts;
    if (peer === ctx.address) {
      const meta = local.get(name)?.meta;
      return meta ? { meta: toWireMeta(meta) } : null;
    }
    try {
      const { reply, data } = await rpc.request(peer, { type: 'meta', name }, { timeoutMs: rpc.transferRequestTimeout(), suspect: false, signal });
      return reply.meta ? { meta: reply.meta, data } : null;
    } catch {
      return undefined;
    }
  }
}
