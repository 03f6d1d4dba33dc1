// The wizard side of the streaming benchmark, run in a real pty by bench.ts: SshTarget runs
// `cat FILE` and the engine's LogSink (redactor + transcript) feeds the real LogPane drawn by Ink,
// then the exit is shown. (Key latency is measured on the wizard itself: wizard-screens.ts.)
// Usage: node dist/bench/stream-app.js CONFIG.json   (config: AppConfig below)
// It writes RESULT.json when the command has exited and again on quit; `q` quits.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import React, { useEffect, useState } from 'react';
import { Box, render, Text, useApp, useInput, useStdout } from 'ink';
import { openLog } from '../source/logs/log-thread.js';
import { SshTarget } from '../source/targets/ssh.js';
import { LogPane } from '../screens/components/log-pane.js';
import { wallMs } from './terminal.js';

export interface AppConfig { mode: 'ssh'; host: string; port: number; user: string; key: string; knownHosts: string; file: string; transcript: string; result: string }

export interface AppResult {
  /** wallMs() just before the command was started. */
  startedAt?: number;
  /** wallMs() when the exit status had arrived and the sink was flushed. */
  exitedAt?: number;
  code?: number | null;
  lost?: boolean;
  linesShown: number;
  transcriptLines: number;
  /** process.resourceUsage().maxRSS: peak resident set, KiB. */
  maxRssKb: number;
  error?: string;
}

const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as AppConfig;
// As the wizard opens its run's log (flow/open-run.ts): on the log worker.
const { log: sink, transcript } = await openLog({ file: config.transcript });
const result: AppResult = { linesShown: 0, transcriptLines: 0, maxRssKb: 0 };

function writeResult(): void {
  result.linesShown = sink.total;
  result.transcriptLines = transcript.lineCount;
  result.maxRssKb = process.resourceUsage().maxRSS;
  // Atomic: the bench polls for this file and must never read it half-written.
  writeFileSync(`${config.result}.tmp`, JSON.stringify(result));
  renameSync(`${config.result}.tmp`, config.result);
}

type Status = { kind: 'connecting' } | { kind: 'running' } | { kind: 'exited'; code: number | null; lost: boolean } | { kind: 'failed'; message: string };

async function runSsh(c: AppConfig, setStatus: (s: Status) => void): Promise<void> {
  const target = await SshTarget.connect({
    host: c.host, port: c.port, username: c.user, identityFiles: [c.key], knownHostsFile: c.knownHosts,
    agent: null, defaultIdentityFiles: [],
  });
  try {
    setStatus({ kind: 'running' });
    const id = sink.beginCommand({ display: `cat ${c.file}`, target: target.description, step: 'bench' });
    result.startedAt = wallMs();
    const run = await target.run({ argv: ['cat', '--', c.file] }, {
      collect: false,
      onStdout: (chunk) => sink.push('stdout', chunk),
      onStderr: (chunk) => sink.push('stderr', chunk),
    });
    sink.endCommand(id, run);
    result.exitedAt = wallMs();
    result.code = run.code;
    result.lost = run.lost;
    setStatus({ kind: 'exited', code: run.code, lost: run.lost });
  } finally {
    await target.close();
  }
}

function statusText(s: Status): string {
  switch (s.kind) {
    case 'connecting': return 'connecting…';
    case 'running': return `running: cat ${config.file}`;
    case 'exited': return s.lost ? 'connection lost (outcome unknown)' : `exit ${s.code}`;
    case 'failed': return `failed: ${s.message}`;
  }
}

function App(): React.JSX.Element {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [status, setStatus] = useState<Status>({ kind: 'connecting' });

  useEffect(() => {
    const fail = (error: unknown) => {
      result.error = error instanceof Error ? error.message : String(error);
      writeResult();
      setStatus({ kind: 'failed', message: result.error });
    };
    runSsh(config, setStatus).then(writeResult, fail);
  }, []);

  useInput((input) => {
    if (input !== 'q') return;
    sink.close();
    transcript.close();
    writeResult();
    exit();
  });

  // Status row + pane, one row shorter than the terminal so Ink never scrolls it.
  return (
    <Box flexDirection="column">
      <Text bold>bench · {statusText(status)}</Text>
      <LogPane source={sink} height={(stdout.rows ?? 24) - 2} />
    </Box>
  );
}

render(<App />, { exitOnCtrlC: true });
