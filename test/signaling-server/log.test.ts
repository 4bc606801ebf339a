import { describe, expect, it } from 'vitest';
import { jsonLogger } from '../../signaling-server/log';

describe('jsonLogger', () => {
  it('writes one JSON line per info or warn event and nothing for debug', () => {
    const lines: string[] = [];
    const log = jsonLogger((line) => lines.push(line));
    log.debug('signal-error', { code: 'bad-json' });
    log.info('peer-join', { id: 'abc' });
    log.warn('socket-error', { message: 'line\nbreak' });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).not.toContain('\n');
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: 'peer-join', level: 'info', id: 'abc' });
    expect(JSON.parse(lines[1] as string)).toMatchObject({ event: 'socket-error', level: 'warn', message: 'line\nbreak' });
    expect(Date.parse(JSON.parse(lines[0] as string).time)).not.toBeNaN();
  });
});
