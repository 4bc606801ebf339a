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
    const beyond = answers.every((a) => a === null) ? await this.beyondReplicas(key, owner, candidates, signal) : [];
    if (beyond.length > 0) {
      candidates.unshift(...beyond);
      answers.unshift(...(await this.checked(beyond, name, await Promise.all(beyond.map((peer) => this.metaAt(peer, name, signal))))));
    }
    const chosen = this.choose(name, answers);
    const sources = chosen ? candidates.filter((_, i) => answers[i]?.meta.root === chosen.meta.root) : [];
    return { owner, answers, chosen, sources };
  }

  /**
   * When every replica says it holds nothing, the peers that may hold the file all the same, as the owner's
   * pointers name them (ours, when we are the owner; else one 'state' request to it, whose failure makes no
   * suspect, so a liar's made-up pointers cost one failed request each):
   * - Its predecessor, if the key is that peer's and not the owner's, so the lookup went round it. A busy owner
   *   is passed over like that until the peer before it hears from it again; that is the likeliest way CI read a
   *   64 MiB file just put as "no such file" (its backups were still on the way, so the peers after the owner
   *   held nothing), and a put could so take a name that exists.
   * - The peer after the replicas, which held the last copy before a newcomer joined in front of them: until its
   *   handover lands it may be the only holder (with one copy it is). A Firefox tab opened on a share link under
   *   load joined in front of the owner of a 3 MiB file and read "no such file" twice, a stabilize round apart.
   */
  private async beyondReplicas(key: bigint, owner: Address, asked: Address[], signal: AbortSignal | undefined): Promise<Address[]> {
    const { ctx, rpc } = this.parts;
    const { r } = ctx.config;
    const pointers =
      owner === ctx.address
        ? { predecessor: undefined, successors: ctx.routing.successors } // our own predecessor is what made us the owner
        : await rpc.request(owner, { type: 'state' }, { suspect: false, signal }).then(({ reply }) => reply, () => undefined);
    if (!pointers) return [];
    const found: Address[] = [];
    const pred = pointers.predecessor;
    if (pred && pred !== ctx.address && !asked.includes(pred) && !betweenRightIncl(key, ctx.keyOf(pred), ctx.keyOf(owner))) {
      ctx.stats.passedOwners++;
      found.push(pred);
    }
    // The owner is the first replica, so its (r - 1)th successor is the one after them all.
    const after = pointers.successors[r - 1];
    if (after && after !== ctx.address && !asked.includes(after) && !found.includes(after)) {
      ctx.stats.handoverAsks++;
      found.push(after);
    }
    return found;
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
