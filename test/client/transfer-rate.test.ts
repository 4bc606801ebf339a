import { describe, expect, it } from 'vitest';
import { RATE_WINDOW_MS, createRateMeter } from '../../client/ui/transfer-rate';

describe('createRateMeter', () => {
  it('has no speed until time has passed, then measures bytes per second and the time left at that speed', () => {
    let now = 1000;
    const meter = createRateMeter(() => now);
    expect(meter.sample(0, 10_000)).toEqual({ bytesPerSecond: null, secondsLeft: null });
    now += 500;
    expect(meter.sample(1000, 10_000)).toEqual({ bytesPerSecond: 2000, secondsLeft: 4.5 });
  });

  it(`follows a change of speed within ${RATE_WINDOW_MS} ms`, () => {
    let now = 0;
    const meter = createRateMeter(() => now);
    let done = 0;
    for (; now <= 10_000; now += 250) meter.sample((done += 250), 1e9); // 1000 B/s
    let rate = meter.sample(done, 1e9);
    for (let i = 0; i < 20; i++) {
      now += 250;
      rate = meter.sample((done += 2500), 1e9); // 10,000 B/s
    }
    expect(rate.bytesPerSecond).toBeCloseTo(10_000, -2);
  });

  it('measures afresh when a transfer starts over, and says nothing of time left when stalled', () => {
    let now = 0;
    const meter = createRateMeter(() => now);
    meter.sample(0, 100);
    now = 1000;
    meter.sample(50, 100);
    now = 2000;
    expect(meter.sample(10, 100)).toEqual({ bytesPerSecond: null, secondsLeft: null });
    now = 3000;
    expect(meter.sample(10, 100)).toEqual({ bytesPerSecond: 0, secondsLeft: null });
  });
});
