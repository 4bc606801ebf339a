import { describe, expect, it } from 'vitest';
import { fileLink, linkedFile } from '../../client/dht/file-link';

describe('file links', () => {
  it('link a public file by name on the page, dropping its other query and fragment', () => {
    const link = fileLink('http://127.0.0.1:8080/?join=manual&replicas=3#x', 'a b&c.txt');
    expect(link).toBe('http://127.0.0.1:8080/?get=a+b%26c.txt');
    expect(linkedFile(link)).toEqual({ name: 'a b&c.txt', fragment: null });
  });

  it("carry a private file's key in the fragment only", () => {
    const link = fileLink('http://127.0.0.1:8080/index.html', 'secret.pdf', 'KEY-_');
    expect(new URL(link).search).toBe('?get=secret.pdf');
    expect(new URL(link).hash).toBe('#k=KEY-_');
    expect(linkedFile(link)).toEqual({ name: 'secret.pdf', fragment: 'KEY-_' });
  });

  it('are relative without a page, and a URL naming no file is none', () => {
    expect(fileLink(undefined, 'x', 'K')).toBe('?get=x#k=K');
    expect(linkedFile('http://127.0.0.1:8080/')).toBeNull();
    expect(linkedFile('http://127.0.0.1:8080/?get=x#other')).toEqual({ name: 'x', fragment: null });
  });
});
