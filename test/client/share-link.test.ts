import { describe, expect, it } from 'vitest';
import { filterEntries } from '../../client/ui/browse';
import { isLoopback, readShareLink, shareUrl } from '../../client/ui/share-link';

describe('share links', () => {
  const page = new URL('http://192.168.1.20:8080/');

  it('round-trips any name through ?get=, whatever characters it has', () => {
    for (const name of ['report.pdf', 'a b&c=d?e#f.txt', 'ünïcødé 📷.jpg', '100%.bin', '+plus+.txt']) {
      const url = new URL(shareUrl(name, page));
      expect(url.origin + url.pathname).toBe('http://192.168.1.20:8080/');
      expect(readShareLink(url)).toEqual({ name, fragment: new URLSearchParams() });
      // ASCII only: the QR encoder takes one byte per character.
      expect(/^[\x21-\x7e]+$/.test(url.href)).toBe(true);
    }
  });

  it('reads no link from a page without ?get=, and a private link with its fragment key', () => {
    expect(readShareLink(new URL('http://h/?join=manual'))).toBeNull();
    expect(readShareLink(new URL('http://h/?get='))).toBeNull();
    const link = readShareLink(new URL('http://h/?get=secret.txt#k=abc123'));
    expect(link?.name).toBe('secret.txt');
    expect(link?.fragment.get('k')).toBe('abc123');
  });

  it('tells a loopback address from a LAN one', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopback)).toBe(true);
    expect(['192.168.1.20', '10.0.0.5', 'myhost.lan'].some(isLoopback)).toBe(false);
  });
});

describe('filterEntries', () => {
  const entries = ['Photos/cat.jpg', 'photos/dog.jpg', 'notes.txt'].map((name) => ({ name, size: 1, owner: 'p' }));

  it('"contains" matches anywhere, ignoring case; an empty filter or "starts with" (done by the owners) shows all', () => {
    expect(filterEntries(entries, 'PHOTOS', 'contains').map((e) => e.name)).toEqual(['Photos/cat.jpg', 'photos/dog.jpg']);
    expect(filterEntries(entries, 'dog', 'contains').map((e) => e.name)).toEqual(['photos/dog.jpg']);
    expect(filterEntries(entries, '', 'contains')).toHaveLength(3);
    expect(filterEntries(entries, 'x', 'prefix')).toHaveLength(3);
  });
});
