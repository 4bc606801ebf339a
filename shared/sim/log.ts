/** Node logs in a simulation: counted always, written as one JSON line each only at or above a chosen level. */
import type { Address, Clock, Logger } from '../ring/types';

export type LogLevel = 'debug' | 'info' | 'warn';
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2 };

export interface SimLogOptions {
  clock: Clock;
  /** Where written lines go; nothing is written without it. */
  write?: (line: string) => void;
  /** Lowest level written; 'warn' unless given. */
  level?: LogLevel;
}

export class SimLog {
  /** Events seen at warn level, by event name: the run's summary of trouble. */
  readonly warnings = new Map<string, number>();
  private readonly clock: Clock;
  private readonly write: ((line: string) => void) | undefined;
  private readonly minRank: number;

  constructor(opts: SimLogOptions) {
    this.clock = opts.clock;
    this.write = opts.write;
    this.minRank = RANK[opts.level ?? 'warn'];
  }

  /** The logger one node is given; its lines carry its address and the virtual time. */
  for(address: Address): Logger {
    const emit = (level: LogLevel, event: string, fields?: Record<string, unknown>): void => {
      if (level === 'warn') this.warnings.set(event, (this.warnings.get(event) ?? 0) + 1);
      if (!this.write || RANK[level] < this.minRank) return;
      this.write(JSON.stringify({ t: this.clock.now(), level, node: address, event, ...fields }, jsonSafe));
    };
    return {
      debug: (event, fields) => emit('debug', event, fields),
      info: (event, fields) => emit('info', event, fields),
      warn: (event, fields) => emit('warn', event, fields),
    };
  }

  warningCounts(): Record<string, number> {
    return Object.fromEntries([...this.warnings].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}

/** Ring keys are bigints and errors hide their message from JSON. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, code: (value as { code?: unknown }).code };
  return value;
}
