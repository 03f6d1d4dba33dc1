// Keys that name a method, mode or algorithm are settings, not secrets: they stay readable
// (the providers diff must show token_endpoint_auth_method), while real secret keys are masked.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../source/logs/redact.js';

describe('redactor: setting-like keys stay readable', () => {
  const r = new Redactor();
  it.each(['token_endpoint_auth_method: client_secret_basic', 'token_endpoint_auth_signing_alg: RS256', 'response_mode: form_post', 'pkce_method: auto'])(
    '%s',
    (line) => expect(r.redact(line)).toBe(line),
  );

  it('still masks the secret next to them', () => {
    expect(r.redact('client_secret: hunter2-very-secret')).toBe('client_secret: ‹redacted›');
    expect(r.redact('token: abcdefghijklmnop')).not.toContain('abcdefghijklmnop');
  });
});
