import { describe, expect, it } from 'vitest';
import { fileLink, isPrivate, requireKey } from '../../client/dht/private-files';
import { readShareLink } from '../../client/ui/share-link';
import type { FileMeta } from '../../shared/ring/types';

const sealed: FileMeta = { name: 'secret.pdf', size: 100, chunkSize: 245760, chunks: 1, chunkHashes: [], root: 'ab' };

describe('file links', () => {
  it("are the page's share link, a private file's key in the fragment only", () => {
    const page = 'http://127.0.0.1:8080/?join=manual#x';
    expect(fileLink(page, 'a b&c.txt')).toBe('http://127.0.0.1:8080/?get=a%20b%26c.txt');
    const link = new URL(fileLink(page, 'secret.pdf', 'KEY-_'));
    expect(link.search).toBe('?get=secret.pdf');
    expect(readShareLink(link)).toMatchObject({ name: 'secret.pdf' });
    expect(readShareLink(link)!.fragment.get('k')).toBe('KEY-_');
  });

  it('are relative without a page (a Node peer)', () => {
    expect(fileLink(undefined, 'x', 'K')).toBe('?get=x#k=K');
  });

  it('say which versions are private, and a private version refuses a get without its key', () => {
    const record = { kind: 'file', name: 'secret.pdf', version: 1, size: 100, chunkSize: 245760, chunks: 1, root: 'ab', writer: 'w', private: true } as const;
    expect(isPrivate({ ...sealed, signed: { record, sig: '' } })).toBe(true);
    expect(isPrivate({ ...sealed, signed: { record: { ...record, private: false }, sig: '' } })).toBe(false);
    expect(isPrivate(sealed)).toBe(false);
    expect(() => requireKey(sealed, undefined)).toThrow(expect.objectContaining({ code: 'private-file' }));
  });
});
