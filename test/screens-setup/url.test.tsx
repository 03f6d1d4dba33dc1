import { useState } from 'react';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { UrlScreen } from '../../screens/setup/url.js';
import type { DnsCheck, MasUrl } from '../../source/mas/url.js';
import { KEY, press, ready, waitFor } from './press.js';

let app: ReturnType<typeof render> | undefined;
afterEach(() => { app?.unmount(); app = undefined; });

/** A parent like the wizard's: runs the (here: fixed) DNS answer and passes it back. */
function Harness({ answer, submitted, asked }: { answer: DnsCheck; submitted: MasUrl[]; asked: string[] }) {
  const [dns, setDns] = useState<{ hostname: string; result: DnsCheck | 'checking' }>();
  return (
    <UrlScreen
      domain="example.org"
      dns={dns}
      onCheckDns={(h) => { asked.push(h); setDns({ hostname: h, result: 'checking' }); setTimeout(() => setDns({ hostname: h, result: answer }), 20); }}
      onSubmit={(u) => submitted.push(u)}
      onBack={() => {}}
    />
  );
}

/** Backspaces one write each, as a terminal sends them. */
async function erase(n: number) {
  for (let i = 0; i < n; i++) await press(app!, KEY.backspace);
}

describe('URL screen', () => {
  it('prefills the playbook defaults and accepts them with Enter, Enter', async () => {
    const submitted: MasUrl[] = [];
    app = render(<Harness answer={{ status: 'default' }} submitted={submitted} asked={[]} />);
    await ready();
    const f = app.lastFrame()!;
    expect(f).toContain('Hostname:    matrix.example.org');
    expect(f).toContain('Path prefix: /auth');
    expect(f).toContain('MAS URL: https://matrix.example.org/auth/');
    expect(f).toContain('Tab/↑↓ switch field');
    await press(app, KEY.enter);
    app.stdin.write(KEY.enter);
    await waitFor(() => submitted.length === 1, 'submit');
    expect(submitted).toEqual([{ hostname: 'matrix.example.org', prefix: '/auth' }]);
  });

  it('validates as you type and refuses a bad prefix', async () => {
    const submitted: MasUrl[] = [];
    app = render(<Harness answer={{ status: 'default' }} submitted={submitted} asked={[]} />);
    await ready();
    await press(app, KEY.tab);
    await press(app, '/');
    expect(app.lastFrame()).toContain('✗ must not end with / (use /auth, not /auth/)');
    expect(app.lastFrame()).toContain('(fix the fields above)');
    await press(app, KEY.enter, { changes: false });
    expect(submitted).toEqual([]);
    await press(app, KEY.backspace);
    expect(app.lastFrame()).toContain('MAS URL: https://matrix.example.org/auth/');
  });

  it('a custom hostname (pasted in one write) triggers the DNS check and shows its result in words', async () => {
    const submitted: MasUrl[] = [];
    const asked: string[] = [];
    app = render(<Harness answer={{ status: 'missing', detail: 'auth.example.org has no DNS record yet' }} submitted={submitted} asked={asked} />);
    await ready();
    await erase(18);
    await press(app, 'auth.example.org');
    expect(app.lastFrame()).toContain('valid (custom: needs DNS)');
    expect(app.lastFrame()).toContain('DNS: not checked yet');
    await press(app, KEY.enter);
    await waitFor(() => app!.lastFrame()!.includes('DNS not in place'), 'the DNS result');
    expect(asked).toEqual(['auth.example.org']);
    expect(app.lastFrame()!.replace(/\s+/g, ' ')).toContain('⚠ DNS not in place: auth.example.org has no DNS record yet. Add: auth.example.org. CNAME matrix.example.org.');
    await erase(5);
    await press(app, '/');
    app.stdin.write(KEY.enter);
    await waitFor(() => submitted.length === 1, 'submit');
    expect(submitted).toEqual([{ hostname: 'auth.example.org', prefix: '/' }]);
  });

  it('refuses a bad hostname with the reason', async () => {
    app = render(<Harness answer={{ status: 'default' }} submitted={[]} asked={[]} />);
    await ready();
    await press(app, '_');
    expect(app.lastFrame()).toContain('✗ label 3 ("org_") may only hold letters, digits and -');
  });
});

describe('URL screen: keys typed faster than the screen redraws', () => {
  it('Enter, Enter written in one burst accepts both fields (the second Enter is not lost)', async () => {
    const submitted: MasUrl[] = [];
    app = render(<Harness answer={{ status: 'default' }} submitted={submitted} asked={[]} />);
    await ready();
    // Two reads, as a terminal delivers them, with no time for a redraw in between.
    app.stdin.write('\r');
    await new Promise((r) => setImmediate(r));
    app.stdin.write('\r');
    await waitFor(() => submitted.length === 1, 'the URL to be submitted');
    expect(submitted[0]).toEqual({ hostname: 'matrix.example.org', prefix: '/auth' });
  });
});
