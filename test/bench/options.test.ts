import { describe, expect, it } from 'vitest';
import { SECTIONS, parseOptions, type BenchPlan } from '../../bench/options';

function plan(argv: string[]): BenchPlan {
  const parsed = parseOptions(argv);
  if (parsed.ok !== true) throw new Error(`expected a plan, got ${JSON.stringify(parsed)}`);
  return parsed.plan;
}

function error(argv: string[]): string {
  const parsed = parseOptions(argv);
  if (parsed.ok !== false) throw new Error(`expected an error, got ${JSON.stringify(parsed)}`);
  return parsed.error;
}

describe('bench options', () => {
  it('runs every section at full size by default', () => {
    const p = plan([]);
    expect(p.sections).toEqual([...SECTIONS]);
    expect(p).toMatchObject({ quick: false, runs: 3, transferBytes: 64 * 1024 * 1024, memoryBytes: 1024 * 1024 * 1024, signalingClients: 1000, ringTabs: 10, recoveryFiles: 100 });
    expect(p.lookupSizes).toEqual([64, 128, 256, 512, 1024, 2048, 4096]);
  });

  it('runs the sections --only names, in the bench order, in either option form', () => {
    expect(plan(['--only', 'transfer,lookup']).sections).toEqual(['lookup', 'transfer']);
    expect(plan(['--only=signaling']).sections).toEqual(['signaling']);
  });

  it('makes everything smaller with --quick, and the memory file whatever --memory-mib says', () => {
    const p = plan(['--quick']);
    expect(p).toMatchObject({ quick: true, runs: 1, transferBytes: 16 * 1024 * 1024, memoryBytes: 64 * 1024 * 1024, signalingClients: 200 });
    expect(p.lookupSizes.at(-1)).toBe(512);
    expect(plan(['--quick', '--memory-mib', '256']).memoryBytes).toBe(256 * 1024 * 1024);
    expect(plan(['--memory-mib=2048']).memoryBytes).toBe(2048 * 1024 * 1024);
  });

  it('says what is wrong with a bad command line', () => {
    expect(error(['--fast'])).toBe('unknown option --fast');
    expect(error(['transfer'])).toBe('unexpected argument "transfer"');
    expect(error(['--only', 'transfer,speed'])).toMatch(/unknown section "speed"; sections are lookup, signaling/);
    expect(error(['--only'])).toBe('--only needs a list of sections');
    expect(error(['--only', 'lookup', '--only', 'join'])).toBe('--only given twice');
    expect(error(['--memory-mib', '0'])).toMatch(/1\.\.4096, got "0"/);
    expect(error(['--memory-mib', '1.5'])).toMatch(/got "1.5"/);
    expect(error(['--memory-mib'])).toMatch(/got ""/);
    expect(error(['--quick=yes'])).toBe('--quick takes no value');
  });

  it('asks for the usage text with --help', () => {
    expect(parseOptions(['--quick', '--help'])).toEqual({ ok: 'help' });
  });
});
