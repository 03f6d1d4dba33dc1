// The diagnosis beside a failed start: which units the real systemd service manager role named,
// and the likely cause in a unit's log.
import { describe, expect, it } from 'vitest';
import { likelyCause, unitsNotRunning } from '../../source/flow/steps/service-log.js';

// The real role's message (roles/galaxy/systemd_service_manager/tasks/start.yml, "Fail if service isn't detected to be running").
const REAL =
  "matrix-authentication-service.service was not detected to be running. It's possible that there's a configuration problem or another service on your server interferes with it (uses the same ports, etc.). Try running `systemctl status matrix-authentication-service.service` and `journalctl -fu matrix-authentication-service.service` on the server to investigate.";

describe('service diagnosis', () => {
  it('finds each unit the role says is not running, once', () => {
    expect(unitsNotRunning(`${REAL}\n${REAL}\nmatrix-synapse.service was not detected to be running.`)).toEqual([
      'matrix-authentication-service.service',
      'matrix-synapse.service',
    ]);
    expect(unitsNotRunning('the command exited with code 1')).toEqual([]);
  });

  it('names the likely cause from the log, most specific first', () => {
    expect(likelyCause('x\n  Could not connect to MAS at http://matrix-authentication-service:8080/: Connection refused\n')?.cause).toMatch(
      /^Synapse cannot reach MAS/,
    );
    expect(likelyCause('FATAL:  password authentication failed for user "synapse"')?.cause).toBe('the database password in the configuration is wrong');
    expect(likelyCause('OSError: [Errno 98] Address already in use')?.cause).toBe('another process already uses its port');
    expect(likelyCause('Error: Failed to load config\n  Caused by: missing field `secrets`')).toEqual({
      line: 'Error: Failed to load config',
      cause: 'its configuration is invalid (the line above says which setting)',
    });
    expect(likelyCause('all fine')).toBeNull();
  });
});
