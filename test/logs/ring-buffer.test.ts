import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../source/logs/ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the last `capacity` items, addressed by absolute index', () => {
    const r = new RingBuffer<number>(3);
    for (let i = 0; i < 5; i++) r.push(i);
    expect([r.total, r.first, r.size]).toEqual([5, 2, 3]);
    expect(r.slice(0, 10)).toEqual([2, 3, 4]);
    expect(r.slice(3, 1)).toEqual([3]);
    expect(r.at(1)).toBeUndefined();
    expect(r.at(4)).toBe(4);
    expect(r.at(5)).toBeUndefined();
  });

  it('is empty before the first push', () => {
    const r = new RingBuffer<string>(2);
    expect([r.total, r.first, r.size]).toEqual([0, 0, 0]);
    expect(r.slice(0, 5)).toEqual([]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(/positive integer, got 0/);
    expect(() => new RingBuffer(1.5)).toThrow(/1.5/);
  });

  it('a million pushes keep only `capacity` slots (the storage never grows or shifts)', () => {
    const r = new RingBuffer<number>(5000);
    for (let i = 0; i < 1_000_000; i++) r.push(i);
    expect((r as unknown as { items: unknown[] }).items.length).toBe(5000);
    expect([r.total, r.first, r.size]).toEqual([1_000_000, 995_000, 5000]);
    expect(r.slice(r.total - 2, 2)).toEqual([999_998, 999_999]);
  });
});
