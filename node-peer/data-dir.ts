/**
 * The folder a Node peer owns: a lock so two processes never share one store, and the peer id, kept so a
 * restarted peer says hello with the same id and comes back as the same peer.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../shared/ring/errors';
import type { Logger } from '../shared/ring/types';
import { isPeerId } from '../shared/wire/signal';

export const LOCK_FILE = 'lock';
export const PEER_ID_FILE = 'peer-id';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

/**
 * Creates `dir` if needed and takes its lock; returns the release. A lock left by a process that no
 * longer runs (a crash, SIGKILL) is taken over.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new DataDirInUseError(`${dir} is in use by process ${holder} (delete ${path} if that is not a ringshare peer)`);
      }
      rmSync(path, { force: true });
    }
  }
  let held = true;
  return () => {
    if (held) rmSync(path, { force: true });
    held = false;
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The signaling client's id storage, in `dir`/peer-id. A file that does not hold a valid id is ignored (a fresh id replaces it). */
export function peerIdFile(dir: string, log: Logger): Pick<Storage, 'getItem' | 'setItem'> {
  const path = join(dir, PEER_ID_FILE);
  return {
    getItem() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8').trim();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('peer-id-unreadable', { path, reason: errorMessage(err) });
        return null;
      }
      if (isPeerId(text)) return text;
      log.warn('peer-id-invalid', { path });
      return null;
    },
    setItem(_key, id) {
      const temp = `${path}.tmp`;
      writeFileSync(temp, `${id}\n`);
      renameSync(temp, path);
    },
  };
}
