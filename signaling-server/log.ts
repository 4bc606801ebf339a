import type { Logger } from '../shared/ring/types';

/** One JSON object per line; debug is dropped so a busy server stays quiet by default. */
export function jsonLogger(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const emit = (level: string, event: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ event, level, time: new Date().toISOString(), ...fields }));
  return {
    debug() {},
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
  };
}
