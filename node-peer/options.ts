/** The Node peer's command line. */
import { parseArgs } from 'node:util';
import { SIGNAL_PATH } from '../shared/constants';

export interface PeerOptions {
  /** Folder for the peer's id, files and backups. */
  dataDir: string;
  signalUrl: string;
  verbose: boolean;
  /** Print a status line (JSON, event "status") on stdout whenever the peer's ring state changes. */
  status: boolean;
}

export const DEFAULT_SIGNAL_URL = `ws://127.0.0.1:8080${SIGNAL_PATH}`;

export const USAGE = `usage: npm run peer -- --data DIR [--signal URL] [--verbose] [--status]

  --data DIR     folder for this peer's id, files and backups (created if missing)
  --signal URL   signaling server, ws:// or wss:// (default ${DEFAULT_SIGNAL_URL})
  --verbose      debug logs too
  --status       a JSON status line on stdout at every change of the peer's ring state
  --help         this text`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The options, 'help' when asked for usage, or a UsageError saying what is wrong. */
export function parseOptions(argv: string[]): PeerOptions | 'help' {
  let values: { data?: string; signal?: string; verbose?: boolean; status?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        data: { type: 'string' },
        signal: { type: 'string' },
        verbose: { type: 'boolean' },
        status: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (!values.data) throw new UsageError('--data DIR is required');
  const signalUrl = values.signal ?? DEFAULT_SIGNAL_URL;
  let url: URL;
  try {
    url = new URL(signalUrl);
  } catch {
    throw new UsageError(`--signal must be a ws:// or wss:// URL, got ${JSON.stringify(signalUrl)}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new UsageError(`--signal must be a ws:// or wss:// URL, got ${JSON.stringify(signalUrl)}`);
  return { dataDir: values.data, signalUrl, verbose: values.verbose ?? false, status: values.status ?? false };
}
