// Each parser must keep up with a live stream: 100k lines fed one line at a time,
// measured and printed in lines/s; the floor is far below what was measured, so it
// only fails on a real regression (e.g. an accidental quadratic buffer).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AnsibleParser } from '../../source/parsers/ansible.js';
import { Syn2masParser } from '../../source/parsers/syn2mas.js';
import { DoctorParser } from '../../source/parsers/doctor.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const N = 100_000;

function lines(sample: string): string[] {
  const base = sample.split('\n').filter((l) => !l.startsWith('#'));
  const out: string[] = [];
  while (out.length < N) out.push(...base);
  return out.slice(0, N);
}

function measure(name: string, feed: (l: string) => void, done: () => unknown, input: string[]): number {
  const t0 = performance.now();
  for (const l of input) feed(`${l}\n`);
  done();
  const seconds = (performance.now() - t0) / 1000;
  const rate = Math.round(input.length / seconds);
  console.log(`${name}: ${input.length} lines in ${(seconds * 1000).toFixed(0)} ms = ${rate.toLocaleString('en')} lines/s`);
  return rate;
}

describe('parser speed (100k lines, one line per feed)', () => {
  it('ansible, a typical run (headers and ok/changed/skipping lines, some payloads)', () => {
    const sample = [
      'TASK [matrix-synapse : Ensure Synapse paths exist] ******************************',
      'ok: [matrix.example.org] => (item=/matrix/synapse/config)',
      'changed: [matrix.example.org] => (item=/matrix/synapse/storage)',
      '',
      'TASK [matrix-authentication-service : Print syn2mas result] *********************',
      'ok: [matrix.example.org] => ',
      '    msg: hello',
      '',
      'TASK [matrix-bridge-hookshot : Skip when disabled] ******************************',
      'skipping: [matrix.example.org]',
      '',
    ].join('\n');
    const p = new AnsibleParser();
    const rate = measure(
      'ansible (typical)',
      (l) => p.feed(l),
      () => p.end(),
      lines(sample),
    );
    expect(rate).toBeGreaterThan(50_000);
  });

  it('ansible, worst case (a YAML failure payload every ~40 lines; 20k lines to keep the suite fast)', () => {
    const p = new AnsibleParser();
    const input = lines(readFileSync(path.join(fixtures, 'ansible-yaml-syn2mas-exit10.txt'), 'utf8')).slice(0, 20_000);
    const rate = measure(
      'ansible (failure-heavy)',
      (l) => p.feed(l),
      () => p.end(),
      input,
    );
    expect(rate).toBeGreaterThan(5_000);
  });

  it('syn2mas (legacy, debug-heavy)', () => {
    const p = new Syn2masParser();
    const rate = measure(
      'syn2mas',
      (l) => p.feed(l),
      () => p.end(),
      lines(readFileSync(path.join(fixtures, 'legacy-syn2mas-output-migrate-mapping.txt'), 'utf8')),
    );
    expect(rate).toBeGreaterThan(50_000);
  });

  it('syn2mas (current migrate)', () => {
    const p = new Syn2masParser();
    const rate = measure(
      'syn2mas-current',
      (l) => p.feed(l),
      () => p.end(),
      lines(readFileSync(path.join(fixtures, 'syn2mas-migrate-dryrun.txt'), 'utf8')),
    );
    expect(rate).toBeGreaterThan(50_000);
  });

  it('doctor', () => {
    const p = new DoctorParser();
    const rate = measure(
      'doctor',
      (l) => p.feed(l),
      () => p.end(),
      lines(readFileSync(path.join(fixtures, 'doctor-current-problems.txt'), 'utf8')),
    );
    expect(rate).toBeGreaterThan(50_000);
  });
});
