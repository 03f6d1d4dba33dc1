// The lab's `flood` fault: a long server script prints numbered lines at a set rate before its
// work (the bench measures key latency on the wizard's run screen while a step streams this).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseFaults } from '../../source/lab/faults.js';
import { packageRoot } from '../../source/paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mas-wizard-flood-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('lab fault: flood', () => {
  it('prints every numbered line, no faster than the rate, then runs the command with its exit status', () => {
    writeFileSync(path.join(dir, 'faults.json'), JSON.stringify({ flood: { lines: 6000, linesPerSecond: 20_000 } }));
    const longRun = path.join(packageRoot(), 'dist', 'source', 'lab', 'server', 'long-run.js');
    const started = performance.now();
    const r = spawnSync(process.execPath, [longRun, 'sh', '-c', 'echo done; exit 3'], {
      encoding: 'utf8',
      env: { ...process.env, MAS_LAB_DIR: dir },
      maxBuffer: 64 << 20,
    });
    const ms = performance.now() - started;
    const lines = r.stdout.trimEnd().split('\n');
    expect(r.status).toBe(3);
    expect(lines).toHaveLength(6001);
    expect(lines[0]).toBe('lab flood: line 1 of 6000');
    expect(lines[5999]).toBe('lab flood: line 6000 of 6000');
    expect(lines[6000]).toBe('done');
    expect(ms).toBeGreaterThanOrEqual(300); // 6,000 lines at 20,000/s
  });

  it('refuses a rate or count that is not a positive integer', () => {
    expect(() => parseFaults(JSON.stringify({ flood: { lines: 10, linesPerSecond: 0 } }), 'f')).toThrow(/flood\.linesPerSecond/);
    expect(() => parseFaults(JSON.stringify({ flood: { lines: 1.5, linesPerSecond: 10 } }), 'f')).toThrow(/flood\.lines/);
  });
});
