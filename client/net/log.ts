/** A browser Logger: one JSON line per event on the console; debug lines only when asked for. */
import type { Logger } from '../../shared/ring/types';

/** Set `localStorage['ringshare.debug'] = '1'` (or pass debug) to see debug events. */
export const DEBUG_STORAGE_KEY = 'ringshare.debug';

export function createConsoleLogger(scope: string, debug = readDebugFlag()): Logger {
  const line = (event: string, fields?: Record<string, unknown>) => JSON.stringify({ scope, event, ...fields });
  return {
    debug(event, fields) {
      if (debug) console.debug(line(event, fields));
    },
    info(event, fields) {
      console.info(line(event, fields));
    },
    warn(event, fields) {
      console.warn(line(event, fields));
    },
  };
}

function readDebugFlag(): boolean {
  try {
    return globalThis.localStorage?.getItem(DEBUG_STORAGE_KEY) === '1';
  } catch {
    // Storage can be blocked (sandboxed frames, privacy settings): no debug lines then.
    return false;
  }
}
