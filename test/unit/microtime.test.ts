import { expect } from 'chai';
import { formatMicroTime, formatTime, parseTime } from '../../src/runtime/microtime.js';

describe('microtime', () => {
  describe('formatMicroTime', () => {
    const cases: [string, Date, string][] = [
      [
        'milliseconds become the first 3 of 6 digits',
        new Date(Date.UTC(2026, 10, 23, 15, 4, 5, 123)),
        '2026-11-23T15:04:05.123000Z',
      ],
      [
        'a whole second still has 6 zero digits',
        new Date(Date.UTC(2026, 10, 23, 15, 4, 5)),
        '2026-11-23T15:04:05.000000Z',
      ],
      [
        'single-digit milliseconds keep their leading zeros',
        new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 7)),
        '2026-01-02T03:04:05.007000Z',
      ],
      ['the epoch', new Date(0), '1970-01-01T00:00:00.000000Z'],
    ];
    for (const [what, date, want] of cases) {
      it(`formats with exactly 6 fractional digits and Z: ${what}`, () => {
        expect(formatMicroTime(date)).to.equal(want);
        expect(formatMicroTime(date)).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      });
    }

    it('rejects an invalid Date and years RFC3339 cannot express', () => {
      expect(() => formatMicroTime(new Date(NaN))).to.throw(RangeError);
      expect(() => formatMicroTime(new Date(Date.UTC(10000, 0, 1)))).to.throw(RangeError);
    });
  });

  describe('formatTime', () => {
    it('formats metav1.Time without a fraction, truncating milliseconds', () => {
      expect(formatTime(new Date(Date.UTC(2026, 10, 23, 15, 4, 5, 999)))).to.equal('2026-11-23T15:04:05Z');
    });
  });

  describe('parseTime', () => {
    const cases: [string, number][] = [
      ['2026-11-23T15:04:05Z', Date.UTC(2026, 10, 23, 15, 4, 5)],
      ['2026-11-23T15:04:05.123456Z', Date.UTC(2026, 10, 23, 15, 4, 5, 123)],
      ['2026-11-23T15:04:05.1Z', Date.UTC(2026, 10, 23, 15, 4, 5, 100)],
      ['2026-11-23T17:04:05.5+02:00', Date.UTC(2026, 10, 23, 15, 4, 5, 500)],
      ['2026-11-23T10:04:05-05:00', Date.UTC(2026, 10, 23, 15, 4, 5)],
    ];
    for (const [input, ms] of cases) {
      it(`parses ${input}`, () => {
        expect(parseTime(input).getTime()).to.equal(ms);
      });
    }

    for (const bad of [
      '',
      '2026-11-23',
      '2026-11-23 15:04:05Z',
      '2026-11-23T15:04:05',
      '2026-02-30T00:00:00Z',
      '2026-11-23T24:00:00Z',
      '2026-13-01T00:00:00Z',
    ]) {
      it(`rejects ${JSON.stringify(bad)}`, () => {
        expect(() => parseTime(bad)).to.throw(RangeError);
      });
    }

    it('round-trips what formatMicroTime and formatTime write', () => {
      const date = new Date(Date.UTC(2026, 10, 23, 15, 4, 5, 42));
      expect(parseTime(formatMicroTime(date)).getTime()).to.equal(date.getTime());
      expect(parseTime(formatTime(date)).getTime()).to.equal(date.getTime() - 42);
    });
  });
});
