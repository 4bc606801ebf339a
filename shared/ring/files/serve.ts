/** Answers to peers that read what this node holds: a file's metadata, its chunk hashes, its chunks. */
import { hashBytes } from '../../transfer/meta';
import { toWireMeta } from '../../wire/file-meta';
import type { RingContext } from '../context';
import { RingError } from '../errors';
import type { Handlers } from '../inbound';
import { inlineable } from './inline';
import type { LocalFiles } from './local-files';

export function serveHandlers(ctx: RingContext, local: LocalFiles): Pick<Handlers, 'chunk' | 'meta' | 'hashes'> {
  const { chunkTimeoutMs } = ctx.config;
  return {
    chunk: async (_from, req) => ({ body: { type: 'chunk' }, data: await local.chunk(req.root, req.index, chunkTimeoutMs) }),
    meta: async (_from, req) => {
      const meta = local.get(req.name)?.meta;
      if (!meta) return { body: { type: 'meta', meta: null } };
      // A small file's bytes come with its meta: the whole get is then one round trip.
      const data = inlineable(meta) ? await local.chunk(meta.root, 0, chunkTimeoutMs).catch(() => undefined) : undefined;
      return { body: { type: 'meta', meta: toWireMeta(meta) }, data };
    },
    hashes: (_from, req) => {
      const meta = local.metaByRoot(req.root);
      if (!meta) throw new RingError('bad-message', `no file with root ${req.root.slice(0, 12)} here`);
      if (req.start + req.count > meta.chunks) throw new RingError('bad-message', `hashes ${req.start}..${req.start + req.count} beyond ${meta.chunks} chunks`);
      return { body: { type: 'hashes' }, data: hashBytes(meta, req.start, req.count) };
    },
  };
}
