// url: hostname and path prefix MAS is served on (playbook defaults: matrix.<domain>, /auth).
import { promises as dnsPromises } from 'node:dns';
import { checkDns, defaultHostname, DEFAULT_PREFIX, dnsFinding, HOSTNAME_KEY, PREFIX_KEY, urlEdits } from '../../mas/url.js';
import { effective, fromOperator } from '../../playbook/effective.js';
import type { StepOutcome, StepRunner } from './step.js';
import { changeVars, varsValues } from './vars-change.js';

export const url: StepRunner = {
  id: 'url',
  commands: () => [],
  async run(ctx): Promise<StepOutcome> {
    const layers = ctx.session.layers();
    const domain = ctx.session.serverName;
    const current = (key: string, fallback: string) => {
      const e = effective(layers, key);
      return e.kind === 'value' && fromOperator(e) && typeof e.value === 'string' && e.value !== '' ? e.value : fallback;
    };
    const chosen = await ctx.io.url({ domain, hostname: current(HOSTNAME_KEY, defaultHostname(domain)), prefix: current(PREFIX_KEY, DEFAULT_PREFIX) });
    const values = varsValues(ctx);
    const edits = urlEdits(chosen, domain, { hostname: HOSTNAME_KEY in values, prefix: PREFIX_KEY in values });
    if (chosen.hostname.toLowerCase() !== defaultHostname(domain)) {
      const dns = await checkDns(chosen.hostname, domain, new dnsPromises.Resolver({ timeout: 2000, tries: 1 }));
      const finding = dnsFinding(chosen.hostname, domain, dns, 'DNS');
      ctx.io.say(
        finding ? `${finding.title}: ${finding.detail} ${finding.fix}` : `${chosen.hostname}: ${'detail' in dns ? dns.detail : 'default hostname'}`,
        finding ? 'warn' : 'ok',
      );
    }
    const written = await changeVars(ctx, 'url', 'The MAS URL', edits);
    const base = `https://${chosen.hostname}${chosen.prefix === '/' ? '' : chosen.prefix}/`;
    ctx.io.say(`MAS will be served at ${base}`, 'ok');
    return { status: 'succeeded', outputs: { public_base: base, vars_changed: written.keys } };
  },
};
