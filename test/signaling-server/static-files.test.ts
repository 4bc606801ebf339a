import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveStaticPath } from '../../signaling-server/static-files';
import { withServer } from './harness';

const SECRET = 'do-not-serve-me';
const base = mkdtempSync(join(tmpdir(), 'ringshare-static-'));
const dist = join(base, 'dist');

beforeAll(() => {
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>ringshare</title>');
  writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log("ring")');
  writeFileSync(join(dist, 'assets', 'index-abc123.css'), 'body{}');
  writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
  writeFileSync(join(dist, 'data.bin'), Buffer.from([1, 2, 3]));
  writeFileSync(join(base, 'secret.txt'), SECRET);
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends the path exactly as written: fetch() would normalise away the `..` these tests need. */
function raw(url: string, path: string, method = 'GET'): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const REFUSED = [
  '/missing.js',
    '/assets',
    '/assets/',
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%00',
    '/index.html%00.js',
    '/%E0%A4%A',
    '//etc/passwd',
    `/${join(base, 'secret.txt')}`,
];

describe('static files', () => {
  it('serves the page at / and its assets with their content types', () =>
    withServer({ staticDir: dist }, async ({ server }) => {
      const page = await raw(server.url, '/');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.body).toContain('<title>ringshare</title>');

      const script = await raw(server.url, '/assets/index-abc123.js?v=1');
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(script.headers['cache-control']).toContain('immutable');
      expect(script.headers['content-length']).toBe(String('console.log("ring")'.length));
      expect(script.body).toBe('console.log("ring")');

      expect((await raw(server.url, '/assets/index-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
      expect((await raw(server.url, '/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
      expect((await raw(server.url, '/data.bin')).headers['content-type']).toBe('application/octet-stream');
      expect((await raw(server.url, '/index%2Ehtml')).status).toBe(200);
    }));

  it('answers HEAD without a body and other methods with 405', () =>
    withServer({ staticDir: dist }, async ({ server }) => {
      const head = await raw(server.url, '/', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      const post = await raw(server.url, '/', 'POST');
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
    }));

  it('refuses missing files, directories and every escape from the root with a 404 that reveals nothing', () =>
    withServer({ staticDir: dist }, async ({ server }) => {
      for (const path of REFUSED) {
        const reply = await raw(server.url, path);
        expect(reply.status, path).toBe(404);
        expect(reply.body, path).not.toContain(SECRET);
        expect(reply.body, path).not.toContain(base);
      }
    }));

  it('serves only /healthz when there is no static directory', () =>
    withServer({}, async ({ server, join }) => {
      expect((await raw(server.url, '/')).status).toBe(404);
      await join();
      const health = await raw(server.url, '/healthz');
      expect(health.status).toBe(200);
      expect(health.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(health.body)).toEqual({ ok: true, peers: 1, connections: 1, errors: {}, closed: {} });
    }));
});

describe('resolveStaticPath', () => {
  it.each([
    ['/', 'index.html'],
    ['/a/b.js', 'a/b.js'],
    ['/a/', 'a/index.html'],
    ['/a/../b.js', 'b.js'],
    ['/sp%20ace.txt', 'sp ace.txt'],
  ])('maps %s inside the root', (path, inside) => {
    expect(resolveStaticPath('/srv/dist', path)).toBe(join('/srv/dist', inside));
  });

  it.each(['/..', '/../dist-other/x', '/a/../../x', '/%2e%2e/x', '/x%00', '/%ZZ', 'relative', ''])('refuses %j', (path) => {
    expect(resolveStaticPath('/srv/dist', path)).toBeUndefined();
  });
});
