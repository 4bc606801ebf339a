/** What the file operations are built from: the node's context, its requests and lookups, its files, and how they move. */
import type { RingContext } from '../context';
import type { Lookup } from '../lookup';
import type { Rpc } from '../rpc';
import type { Fetch } from './fetch';
import type { LocalFiles } from './local-files';
import type { Offers } from './offer';

export interface FileParts {
  readonly ctx: RingContext;
  readonly rpc: Rpc;
  readonly lookup: Lookup;
  readonly local: LocalFiles;
  readonly fetch: Fetch;
  readonly offers: Offers;
}
