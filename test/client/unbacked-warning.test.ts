import { describe, expect, it } from 'vitest';
import { UNBACKED_LISTED } from '../../shared/ring/files/confirmed';
import { UNBACKED_GRACE_MS, UNBACKED_SHOWN, UnbackedWatch, unbackedText } from '../../client/ui/unbacked-warning';

const report = (atOne: string[], atTwo: string[] = [], filesAtOneCopy = atOne.length) => ({
  filesAtOneCopy,
  filesAtTwoCopies: atTwo.length,
  unbackedFiles: [...atOne, ...atTwo],
});

describe('UnbackedWatch', () => {
  it('names a file at one copy only once it has been so for the grace period, and clears once it has a backup', () => {
    const watch = new UnbackedWatch();
    expect(watch.update(report(['a.bin']), 0)).toBeNull();
    expect(watch.update(report(['a.bin']), UNBACKED_GRACE_MS - 1)).toBeNull();
    expect(watch.update(report(['a.bin']), UNBACKED_GRACE_MS)).toEqual({ count: 1, names: ['a.bin'] });
    expect(watch.update(report([]), UNBACKED_GRACE_MS + 1000)).toBeNull();
  });

  it('restarts the grace of a file that had a backup in between (a normal put after a repaired one)', () => {
    const watch = new UnbackedWatch();
    watch.update(report(['a.bin']), 0);
    watch.update(report([]), 1000);
    expect(watch.update(report(['a.bin']), UNBACKED_GRACE_MS + 500)).toBeNull();
    expect(watch.update(report(['a.bin']), UNBACKED_GRACE_MS + 1000 + UNBACKED_GRACE_MS)).toEqual({ count: 1, names: ['a.bin'] });
  });

  it('ignores files at two copies', () => {
    const watch = new UnbackedWatch();
    watch.update(report(['a.bin'], ['b.bin']), 0);
    expect(watch.update(report(['a.bin'], ['b.bin']), UNBACKED_GRACE_MS)).toEqual({ count: 1, names: ['a.bin'] });
  });

  it('shows a bounded list, and counts the files at one copy past those the node names (UNBACKED_LISTED)', () => {
    const names = Array.from({ length: UNBACKED_LISTED }, (_, i) => `f${String(i).padStart(2, '0')}.bin`);
    const watch = new UnbackedWatch();
    watch.update(report(names, [], UNBACKED_LISTED + 5), 0);
    const warning = watch.update(report(names, [], UNBACKED_LISTED + 5), UNBACKED_GRACE_MS)!;
    expect(warning).toEqual({ count: UNBACKED_LISTED + 5, names: names.slice(0, UNBACKED_SHOWN) });
    expect(unbackedText(warning)).toBe(
      `${UNBACKED_LISTED + 5} files this tab owns have no confirmed backup (one copy, here): ${names.slice(0, UNBACKED_SHOWN).join(', ')} and ${UNBACKED_LISTED + 5 - UNBACKED_SHOWN} more.`,
    );
  });
});
