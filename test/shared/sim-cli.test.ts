/** `npm run sim`: option parsing, and the command end to end. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../shared/sim/cli-args';
import { healthy, type ScenarioResult } from '../../shared/sim/scenario';
import { runMeasured } from '../../shared/sim/speed';

describe('parseArgs', () => {
  it('reads the documented options, in both --name value and --name=value forms, with defaults', () => {
    const parsed = parseArgs(['--nodes', '1024', '--files=10000', '--churn', '0.3', '--loss', '0.05', '--seed', '7', '--r', '4', '--m=32', '--latency', '5,20', '--verbose']);
    expect(parsed).toEqual({
      ok: true,
      options: {
        scenario: { seed: 7, nodes: 1024, files: 10000, churn: 0.3, loss: 0.05, r: 4, m: 32, rounds: undefined, repairMs: undefined, latencyMs: [5, 20], gets: undefined, lookups: undefined },
        verbose: true,
        logLevel: undefined,
      },
    });
    expect(parseArgs(['--nodes', '3', '--files', '0'])).toMatchObject({ ok: true, options: { scenario: { seed: 1, churn: 0, loss: 0, r: 3, m: 64 }, verbose: false } });
    expect(parseArgs(['--help'])).toEqual({ ok: 'help' });
  });

  it('--upkeep F runs the ring upkeep F times slower than a tab does', () => {
    const parsed = parseArgs(['--nodes', '1000', '--files', '10000', '--upkeep', '5']);
    expect(parsed).toMatchObject({ ok: true, options: { scenario: { config: { stabilizeMs: 1000, checkPredecessorMs: 1000, fixFingersMs: 500, maintainMs: 2000 } } } });
    expect(parseArgs(['--nodes', '10', '--files', '1'])).toMatchObject({ ok: true, options: { scenario: { config: undefined } } });
  });

  it.each([
    [['--files', '10'], /--nodes is required/],
    [['--nodes', '10'], /--files is required/],
    [['--nodes', '10', '--files', '1', '--bogus', '1'], /unknown option --bogus/],
    [['--nodes', '10', '--files', '1', 'extra'], /unexpected argument "extra"/],
    [['--nodes', 'ten', '--files', '1'], /--nodes must be a whole number/],
    [['--nodes', '0', '--files', '1'], /--nodes must be a whole number in 1\.\.100000/],
    [['--nodes', '1.5', '--files', '1'], /--nodes must be a whole number/],
    [['--nodes', '10', '--files', '1', '--churn', '1'], /--churn must be a number in \[0, 1\)/],
    [['--nodes', '10', '--files', '1', '--loss', '-0.1'], /--loss must be a number in \[0, 1\)/],
    [['--nodes', '10', '--files', '1', '--latency', '9,3'], /--latency must be two whole numbers/],
    [['--nodes', '10', '--files', '1', '--log', 'loud'], /--log must be warn, info or debug/],
    [['--nodes', '10', '--files', '1', '--upkeep', '0'], /--upkeep must be a whole number in 1\.\.100/],
    [['--nodes', '10', '--files', '1', '--verbose=yes'], /--verbose takes no value/],
    [['--nodes', '10', '--files', '1', '--seed'], /--seed needs a value/],
    [['--nodes', '10', '--nodes', '11', '--files', '1'], /--nodes given twice/],
    [['--nodes', '200', '--files', '1', '--m', '8'], /--m 8 leaves too few keys/],
    [['--nodes', '3', '--files', '1', '--churn', '0.5'], /--churn needs more peers than --r/],
  ])('refuses %j', (argv, message) => {
    const parsed = parseArgs(argv);
    expect(parsed.ok).toBe(false);
    expect((parsed as { error: string }).error).toMatch(message);
  });
});

describe('npm run sim', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'shared/sim/cli.ts', ...args], { cwd: process.cwd(), encoding: 'utf8', timeout: 120_000 });

  it('prints one JSON object with the measures, progress only on stderr with --verbose', () => {
    const out = run(['--nodes', '12', '--files', '40', '--churn', '0.25', '--seed', '3', '--verbose']);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const field of ['nodes', 'files', 'lost', 'underReplicated', 'meanHops', 'p99Hops', 'ringConsistent', 'virtualSeconds', 'wallSeconds']) {
      expect(result).toHaveProperty(field);
    }
    expect(result).toMatchObject({ seed: 3, files: 40, churn: 0.25 });
    expect(out.stderr).toMatch(/"event":"ring-built"/);
    expect(out.status).toBe(healthy(result as unknown as ScenarioResult) ? 0 : 1);
  });

  it('exits 2 with a clear message on stderr for a bad option', () => {
    const out = run(['--nodes', '12', '--files', '40', '--chrun', '0.3']);
    expect(out.status).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/unknown option --chrun/);
    expect(out.stderr).toMatch(/usage: npm run sim/);
  });
});

describe('the run figures speed and memory', () => {
  it('reports events, events per second, CPU time and peak heap, consistent with each other', async () => {
    const result = await runMeasured({ seed: 5, nodes: 16, files: 50, churn: 0.25, rounds: 2 });
    expect(result.events).toBeGreaterThan(1000);
    // Every message is at least one event: its arrival.
    expect(result.events).toBeGreaterThan(result.messages.requests);
    expect(result.eventsPerSecond).toBeGreaterThan(0);
    expect(Math.abs(result.eventsPerSecond - result.events / result.wallSeconds)).toBeLessThan(0.05 * result.eventsPerSecond);
    expect(result.cpuSeconds).toBeGreaterThan(0);
    // The heap holds at least the program and at most the 4 GiB a large run is allowed.
    expect(result.peakHeapMiB).toBeGreaterThan(1);
    expect(result.peakHeapMiB).toBeLessThan(4096);
  });
});
