import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGNAL_URL, UsageError, parseOptions } from '../../node-peer/options';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the Node peer command line', () => {
  it('takes --data, --signal and the flags in either form', () => {
    expect(parseOptions(['--data', '/d', '--signal=wss://example.org/signal', '--verbose', '--status'])).toEqual({
      dataDir: '/d',
      signalUrl: 'wss://example.org/signal',
      verbose: true,
      status: true,
    });
    expect(parseOptions(['--data=/d'])).toEqual({ dataDir: '/d', signalUrl: DEFAULT_SIGNAL_URL, verbose: false, status: false });
    expect(parseOptions(['--data', '/d', '-h'])).toBe('help');
  });

  it.each([
    [[], /--data DIR is required/],
    [['--data'], /argument missing/],
    [['--data', '/d', '--port', '1'], /Unknown option '--port'/],
    [['--data', '/d', 'extra'], /Unexpected argument 'extra'/],
    [['--data', '/d', '--signal', 'http://127.0.0.1:8080/signal'], /ws:\/\/ or wss:\/\//],
    [['--data', '/d', '--signal', 'not a url'], /ws:\/\/ or wss:\/\//],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError);
    expect(() => parseOptions(argv)).toThrow(message);
  });

  it('exits with status 2 and the usage on a bad option', () => {
    const run = spawnSync(`${ROOT}node_modules/.bin/tsx`, ['node-peer/main.ts', '--data', '/nonexistent', '--bogus'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("Unknown option '--bogus'");
    expect(run.stderr).toContain('usage: npm run peer');
  });
});
