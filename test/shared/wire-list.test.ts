/** The 'list' request and its 'listed' reply as they cross the wire: what a peer accepts and what it refuses. */
import { describe, expect, it } from 'vitest';
import { LIST_PAGE } from '../../shared/constants';
import { parseReply, parseRequest } from '../../shared/wire/peer';

describe("'list' on the wire", () => {
  it('accepts a walk step with bounds, a cursor and a prefix, and one with none', () => {
    const full = { type: 'list', from: 'ab12', after: 'x.bin', to: 'ff00', prefix: 'photos/', limit: LIST_PAGE };
    expect(parseRequest(full)).toEqual({ ok: true, value: full });
    expect(parseRequest({ type: 'list', limit: 1 })).toEqual({ ok: true, value: { type: 'list', limit: 1 } });
  });

  it.each([
    [{ type: 'list', limit: LIST_PAGE + 1 }, 'limit'],
    [{ type: 'list', limit: 0 }, 'limit'],
    [{ type: 'list', limit: 5, after: 'x' }, 'after needs from'],
    [{ type: 'list', limit: 5, from: 'XYZ' }, 'from'],
    [{ type: 'list', limit: 5, to: 12 }, 'to'],
    [{ type: 'list', limit: 5, prefix: '' }, 'prefix'],
    [{ type: 'list', limit: 5, prefix: 'p'.repeat(300) }, 'prefix'],
  ])('refuses %j', (body, reason) => {
    const parsed = parseRequest(body);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });

  it('accepts a page of files with an optional writer, and refuses an oversized or malformed one', () => {
    const good = { type: 'listed', files: [{ name: 'a', size: 3 }, { name: 'b', size: 0, writer: 'f1e2d3' }], more: false, successor: 'peer-1' };
    expect(parseReply(good, ['listed'])).toEqual({ ok: true, value: good });
    const bad = [
      { ...good, files: Array.from({ length: LIST_PAGE + 1 }, (_, i) => ({ name: `f${i}`, size: 1 })) },
      { ...good, files: [{ name: '', size: 1 }] },
      { ...good, files: [{ name: 'a', size: -1 }] },
      { ...good, files: [{ name: 'a', size: 1, writer: 'w'.repeat(200) }] },
      { ...good, more: 'yes' },
      { ...good, successor: 'not an address!' },
    ];
    for (const reply of bad) expect(parseReply(reply, ['listed']).ok).toBe(false);
  });
});
