// The downtime window comes from systemd's own unit timestamps (monotonic µs: plain integers on
// every systemd version), and the lab's systemctl stand-in must record and report them as systemd does.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downtimeSeconds, parseUnitTimes } from '../../source/parsers/systemd.js';
import { SYSTEMCTL } from '../../source/lab/server-files.js';
import { catalogue } from '../../source/playbook/commands.js';
import { redact } from '../../source/logs/redact.js';

describe('systemctl show timestamps', () => {
  it('reads ActiveEnter/InactiveEnterTimestampMonotonic in any order; 0 (never since boot) is unknown', () => {
    expect(parseUnitTimes('InactiveEnterTimestampMonotonic=2931590000\nActiveEnterTimestampMonotonic=2931260000\n')).toEqual({
      activeEnterUs: 2931260000,
      inactiveEnterUs: 2931590000,
    });
    expect(parseUnitTimes('ActiveEnterTimestampMonotonic=0\nInactiveEnterTimestampMonotonic=0')).toEqual({ activeEnterUs: null, inactiveEnterUs: null });
    expect(parseUnitTimes('Failed to connect to bus')).toEqual({ activeEnterUs: null, inactiveEnterUs: null });
  });

  it('the window is the start after the stop, in seconds to 0.1; a start not after the stop (a reboot resets the clock) is not measured', () => {
    expect(downtimeSeconds(1_000_000, 4_460_000)).toBe(3.5);
    expect(downtimeSeconds(5_000_000, 4_000_000)).toBeNull();
    expect(downtimeSeconds(null, 4_000_000)).toBeNull();
  });

  it('the catalogue asks exactly those two properties of the unit', () => {
    const cat = catalogue({ checkout: { dir: '/c', runner: 'just', justPath: '/usr/bin/just' } as never, host: 'matrix.example.org' });
    expect(cat.serviceTimes('matrix-synapse.service').display).toBe(
      'systemctl show matrix-synapse.service --property=ActiveEnterTimestampMonotonic,InactiveEnterTimestampMonotonic',
    );
    // Shown and recorded as it runs: nothing in it looks like a secret to the redactor (a bare `-p` did).
    const display = cat.serviceTimes('matrix-synapse.service').display;
    expect(redact(display)).toBe(display);
  });
});

describe("the lab's systemctl keeps the unit timestamps as systemd does", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'maswiz-systemctl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['server/bin', 'server/systemd', 'server/run']) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'server/bin/systemctl'), SYSTEMCTL, { mode: 0o755 });
  writeFileSync(path.join(dir, 'server/systemd/matrix-synapse.service'), '');
  const run = (...args: string[]) => spawnSync(path.join(dir, 'server/bin/systemctl'), args, { encoding: 'utf8' }).stdout;
  const times = () => parseUnitTimes(run('show', 'matrix-synapse.service', '-p', 'ActiveEnterTimestampMonotonic,InactiveEnterTimestampMonotonic'));

  it('a never-started unit shows 0; start stamps ActiveEnter, stop stamps InactiveEnter; a start of a running unit changes nothing', () => {
    expect(times()).toEqual({ activeEnterUs: null, inactiveEnterUs: null });
    run('start', 'matrix-synapse');
    const started = times().activeEnterUs!;
    expect(started).toBeGreaterThan(0);
    run('start', 'matrix-synapse');
    expect(times().activeEnterUs).toBe(started);
    run('stop', 'matrix-synapse');
    const stopped = times().inactiveEnterUs!;
    expect(stopped).toBeGreaterThanOrEqual(started);
    run('stop', 'matrix-synapse'); // already stopped: no new state change
    expect(times().inactiveEnterUs).toBe(stopped);
    run('start', 'matrix-synapse');
    expect(times().activeEnterUs).toBeGreaterThanOrEqual(stopped);
    // Only the asked properties, as systemctl show -p prints them.
    expect(run('show', 'matrix-synapse', '--property=ActiveState').trim()).toBe('ActiveState=active');
  });
});
