// `systemctl show UNIT --property=ActiveEnterTimestampMonotonic,InactiveEnterTimestampMonotonic`: when the
// unit last entered the active and the inactive state, in µs of the server's CLOCK_MONOTONIC
// (0 = never since boot). Monotonic, not wall-clock: these properties print as plain integers on
// every systemd version, while `--timestamp=unix` needs systemd 248+ (Debian 11 has 247), and the
// default wall-clock form is a local date with a time-zone abbreviation.

export interface UnitTimes {
  activeEnterUs: number | null;
  inactiveEnterUs: number | null;
}

export function parseUnitTimes(output: string): UnitTimes {
  const value = (key: string): number | null => {
    const m = new RegExp(`^${key}=(\\d+)\\s*$`, 'm').exec(output);
    const n = m ? Number(m[1]) : NaN;
    return Number.isSafeInteger(n) && n > 0 ? n : null;
  };
  return { activeEnterUs: value('ActiveEnterTimestampMonotonic'), inactiveEnterUs: value('InactiveEnterTimestampMonotonic') };
}

/**
 * Seconds Synapse was down: from the stop the migration made to its start after the reinstall,
 * both read from the server. Null when either is missing or the start is not after the stop (the
 * monotonic clock restarts at a reboot, so the two cannot be compared then).
 */
export function downtimeSeconds(stoppedUs: number | null | undefined, startedUs: number | null | undefined): number | null {
  if (!stoppedUs || !startedUs || startedUs <= stoppedUs) return null;
  return Math.round((startedUs - stoppedUs) / 100_000) / 10;
}
