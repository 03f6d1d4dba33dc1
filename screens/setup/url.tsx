// Where MAS will answer: hostname and path prefix, prefilled with the playbook's defaults,
// checked as typed. For a custom hostname the parent runs the DNS check (onCheckDns) and
// passes the result back in `dns`.
import React, { useState } from 'react';
import { Box, Text } from 'ink';
import { useKeys } from '../components/keys.js';
import { LineInput } from '../components/line-input.js';
import { checkUrl, DEFAULT_PREFIX, defaultHostname, publicBase, type DnsCheck, type MasUrl } from '../../source/mas/url.js';
import { KeyHints } from '../components/key-hints.js';
import { StatusBadge } from '../components/status-badge.js';

export interface UrlProps {
  domain: string;
  initial?: MasUrl;
  /** Result of the last DNS check for `dnsFor`; 'checking' while it runs. */
  dns?: { hostname: string; result: DnsCheck | 'checking' };
  onCheckDns: (hostname: string) => void;
  onSubmit: (url: MasUrl) => void;
  onBack: () => void;
}

type Field = 'hostname' | 'prefix';

export function UrlScreen(props: UrlProps): React.JSX.Element {
  const start = props.initial ?? { hostname: defaultHostname(props.domain), prefix: DEFAULT_PREFIX };
  const [url, setUrl] = useState<MasUrl>(start);
  // Only the field in focus takes keys; the input layer hands the Enter that leaves one field
  // to the handlers present when it arrived, so it does not also act on the next field.
  const [field, setField] = useState<Field>('hostname');
  const problems = checkUrl(url);
  const custom = url.hostname.toLowerCase() !== defaultHostname(props.domain);

  useKeys((_input, key) => {
    if (key.escape) props.onBack();
    else if (key.tab || key.upArrow || key.downArrow) setField((f) => (f === 'hostname' ? 'prefix' : 'hostname'));
  });

  // Submit handlers judge the value the input hands over, not this render's copy of it.
  const submitHostname = (typed: string) => {
    const hostname = typed.trim().toLowerCase();
    if (checkUrl({ hostname, prefix: '/' }).hostname) return;
    if (hostname !== defaultHostname(props.domain)) props.onCheckDns(hostname);
    setField('prefix');
  };
  const submitPrefix = (prefix: string) => {
    const next = { hostname: url.hostname.toLowerCase(), prefix };
    const bad = checkUrl(next);
    if (bad.hostname) return setField('hostname');
    if (!bad.prefix) props.onSubmit(next);
  };

  const dns = props.dns && props.dns.hostname === url.hostname.toLowerCase() ? props.dns.result : undefined;
  const marker = (f: Field) => (field === f ? '❯ ' : '  ');

  return (
    <Box flexDirection="column">
      <Text bold>Where MAS is served</Text>
      <Text wrap="wrap">The default needs no DNS change: {publicBase(defaultHostname(props.domain), DEFAULT_PREFIX)}</Text>
      <Box marginTop={1}>
        <Text>{marker('hostname')}Hostname:    </Text>
        <LineInput key="hostname" defaultValue={start.hostname} clearOnSubmit={false} isActive={field === 'hostname'} onChange={(v) => setUrl((u) => (u.hostname === v.trim() ? u : { ...u, hostname: v.trim() }))} onSubmit={submitHostname} />
      </Box>
      <Text>{'               '}{problems.hostname ? <StatusBadge kind="fail" label={problems.hostname} /> : <StatusBadge kind="ok" label={custom ? 'valid (custom: needs DNS)' : 'valid (default)'} />}</Text>
      <Box>
        <Text>{marker('prefix')}Path prefix: </Text>
        <LineInput key="prefix" defaultValue={start.prefix} clearOnSubmit={false} isActive={field === 'prefix'} onChange={(v) => setUrl((u) => (u.prefix === v ? u : { ...u, prefix: v }))} onSubmit={submitPrefix} />
      </Box>
      <Text>{'               '}{problems.prefix ? <StatusBadge kind="fail" label={problems.prefix} /> : <StatusBadge kind="ok" label="valid" />}</Text>
      <Box marginTop={1} flexDirection="column">
        <Text wrap="truncate-end">MAS URL: {problems.hostname || problems.prefix ? '(fix the fields above)' : publicBase(url.hostname.toLowerCase(), url.prefix)}</Text>
        {custom && !problems.hostname ? <DnsLine domain={props.domain} hostname={url.hostname.toLowerCase()} dns={dns} /> : null}
      </Box>
      <KeyHints hints={[['Tab/↑↓', 'switch field'], ['Enter', field === 'hostname' ? 'next (checks DNS)' : 'use this URL'], ['Esc', 'back']]} />
    </Box>
  );
}

function DnsLine({ domain, hostname, dns }: { domain: string; hostname: string; dns?: DnsCheck | 'checking' }): React.JSX.Element {
  const target = defaultHostname(domain);
  if (dns === undefined) return <Text wrap="wrap">DNS: not checked yet (Enter on the hostname checks that {hostname} is a CNAME to {target}).</Text>;
  if (dns === 'checking') return <Text><StatusBadge kind="running" label={`checking DNS for ${hostname}…`} /></Text>;
  if (dns.status === 'ok') return <Text wrap="wrap"><StatusBadge kind="ok" label="DNS in place:" /> {dns.detail}</Text>;
  if (dns.status === 'default') return <Text><StatusBadge kind="ok" label="default hostname" /></Text>;
  const kind = dns.status === 'missing' ? 'warn' : 'unknown';
  return <Text wrap="wrap"><StatusBadge kind={kind} label={dns.status === 'missing' ? 'DNS not in place:' : 'DNS unknown:'} /> {dns.detail}. Add: {hostname}. CNAME {target}.</Text>;
}
