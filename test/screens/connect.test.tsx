import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { ConnectScreen, type ConnectProps, type ConnectState, type HostChoice } from '../../screens/connect.js';
import { delay, KEY, waitFor } from './helpers.js';

const host: HostChoice = { name: 'matrix.example.org', address: 'matrix@203.0.113.5:22', origin: 'inventory' };
const FP = 'SHA256:5oq1sUDh0cU8ASYl+n9Vb1m+rKOX3eVpvgItqs4mDu0';

function setup(state: ConnectState) {
  const cb = { onChooseHost: vi.fn(), onTrustHostKey: vi.fn(), onPassphrase: vi.fn(), onBecomePassword: vi.fn(), onRetry: vi.fn(), onContinue: vi.fn(), onQuit: vi.fn() } satisfies Omit<ConnectProps, 'state'>;
  const r = render(<ConnectScreen state={state} {...cb} />);
  return { ...r, cb };
}

describe('ConnectScreen', () => {
  it('lists several inventory hosts and reports the one picked', async () => {
    const hosts = [host, { name: 'backup.example.org', address: 'root@198.51.100.7:22', origin: 'inventory' as const }];
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'choose-host', hosts });
    await delay(10);
    expect(lastFrame()).toContain('lists 2 servers');
    stdin.write(KEY.down);
    await waitFor(() => cb.onChooseHost.mock.calls.length > 0 || lastFrame()!.includes('❯ backup'), 'focus moves');
    stdin.write(KEY.enter);
    await waitFor(() => cb.onChooseHost.mock.calls.length === 1, 'onChooseHost');
    expect(cb.onChooseHost).toHaveBeenCalledWith('backup.example.org');
    expect(lastFrame()).toMatch(/Enter connect.*q quit/);
    unmount();
  });

  it('shows an unknown host key fingerprint exactly and trusts it only after "yes"', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'unknown-host-key', host, keyType: 'ssh-ed25519', fingerprint: FP });
    await delay(10);
    expect(lastFrame()).toContain(`ssh-ed25519 key fingerprint is ${FP}`);
    expect(lastFrame()).toContain('Type yes to trust it');
    stdin.write('y');
    await delay(5);
    stdin.write(KEY.enter);
    await waitFor(() => lastFrame()!.includes('Only the word yes'), 'refusal of "y"');
    expect(cb.onTrustHostKey).not.toHaveBeenCalled();
    stdin.write('yes');
    await waitFor(() => lastFrame()!.includes('trust it: yes'), 'typed');
    stdin.write(KEY.enter);
    await waitFor(() => cb.onTrustHostKey.mock.calls.length === 1, 'trusted');
    expect(cb.onTrustHostKey).toHaveBeenCalledWith(FP);
    expect(cb.onQuit).not.toHaveBeenCalled();
    unmount();
  });

  it('letters typed into the fingerprint question do not quit ("q" is text there); Esc quits', async () => {
    const { stdin, cb, unmount } = setup({ kind: 'unknown-host-key', host, keyType: 'ssh-ed25519', fingerprint: FP });
    await delay(10);
    stdin.write('q');
    await delay(20);
    expect(cb.onQuit).not.toHaveBeenCalled();
    stdin.write(KEY.escape);
    await waitFor(() => cb.onQuit.mock.calls.length === 1, 'Esc quits');
    unmount();
  });

  it('refuses a changed host key loudly and offers nothing but quit', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({
      kind: 'changed-host-key', host, reason: 'changed', keyType: 'ssh-ed25519', fingerprint: FP,
      knownFingerprint: 'SHA256:AAAAold', knownHostsFile: '/root/.ssh/known_hosts', knownHostsLine: 7,
    });
    await delay(10);
    const f = lastFrame()!;
    expect(f).toContain("HOST KEY HAS CHANGED");
    expect(f).toContain('NOT CONNECTING');
    expect(f).toContain(`Offered now (ssh-ed25519): ${FP}`);
    expect(f).toContain('Expected (/root/.ssh/known_hosts:7): SHA256:AAAAold');
    expect(f).not.toMatch(/type yes|trust/i);
    expect(f).toMatch(/q quit\s*$/);
    for (const k of ['yes', KEY.enter, 'r', 'y']) { stdin.write(k); await delay(5); }
    expect(cb.onTrustHostKey).not.toHaveBeenCalled();
    expect(cb.onRetry).not.toHaveBeenCalled();
    stdin.write('q');
    await waitFor(() => cb.onQuit.mock.calls.length === 1, 'quit');
    unmount();
  });

  it('explains a refused login in plain words with the next thing to do, and retries on r', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'failed', host, error: { kind: 'auth', message: 'the server 203.0.113.5:22 refused every key we offered (tried: agent, ~/.ssh/id_ed25519)' } });
    await delay(10);
    expect(lastFrame()).toContain('✗ Could not connect');
    expect(lastFrame()).toContain('The server 203.0.113.5:22 refused every key we offered (tried: agent, ~/.ssh/id_ed25519).');
    expect(lastFrame()).toContain('Next: Check ansible_user in inventory/hosts');
    stdin.write('r');
    await waitFor(() => cb.onRetry.mock.calls.length === 1, 'retry');
    unmount();
  });

  it('a revoked host key is refused like a changed one', async () => {
    const { lastFrame, unmount } = setup({ kind: 'changed-host-key', host, reason: 'revoked', keyType: 'ssh-ed25519', fingerprint: FP, knownHostsFile: '/etc/ssh/ssh_known_hosts', knownHostsLine: 3 });
    await delay(10);
    expect(lastFrame()).toContain('HOST KEY IS REVOKED — NOT CONNECTING');
    expect(lastFrame()).toContain('/etc/ssh/ssh_known_hosts:3 marks this key @revoked');
    unmount();
  });

  it('asks for the sudo password masked, and a paste with Enter arrives whole', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'become-password', host, user: 'matrix' });
    await delay(10);
    expect(lastFrame()).toContain('sudo password for matrix:');
    stdin.write('correct horse battery staple\r');
    await waitFor(() => cb.onBecomePassword.mock.calls.length === 1, 'submitted');
    expect(cb.onBecomePassword).toHaveBeenCalledWith('correct horse battery staple');
    expect(lastFrame()).not.toContain('horse');
    unmount();
  });

  it('takes a passphrase masked, and a 64-character paste arrives whole', async () => {
    const secret = 'Zq8#kLm2$vN9!pQr4&tUw7*yXa1^bCd3(eFg5)hIj6_kLm8+nOp0=qRs2-tUv4xy';
    expect(secret).toHaveLength(64);
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'passphrase', host, keyFile: '/root/.ssh/id_ed25519' });
    await delay(10);
    expect(lastFrame()).toContain('Passphrase for /root/.ssh/id_ed25519');
    stdin.write(secret);
    await waitFor(() => (lastFrame()!.match(/\*/g) ?? []).length >= 64, 'all 64 masked characters');
    expect(lastFrame()).not.toContain('Zq8#');
    stdin.write(KEY.enter);
    await waitFor(() => cb.onPassphrase.mock.calls.length === 1, 'submitted');
    expect(cb.onPassphrase).toHaveBeenCalledWith(secret);
    unmount();
  });

  it('says when the passphrase was wrong and asks again', async () => {
    const { lastFrame, unmount } = setup({ kind: 'passphrase', host, keyFile: 'k', wrongBefore: true });
    await delay(10);
    expect(lastFrame()).toContain('✗ That passphrase did not unlock the key.');
    unmount();
  });

  it('shows the connected target and continues on Enter', async () => {
    const { lastFrame, stdin, cb, unmount } = setup({ kind: 'connected', host, description: 'matrix@203.0.113.5:22' });
    await delay(10);
    expect(lastFrame()).toContain('✓ connected to matrix@203.0.113.5:22');
    stdin.write(KEY.enter);
    await waitFor(() => cb.onContinue.mock.calls.length === 1, 'continue');
    unmount();
  });
});
