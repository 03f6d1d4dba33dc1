// A wizard whose terminal goes away (an SSH session dropped, a tmux pane closed) or that is
// asked to stop (SIGTERM) releases its locks before it exits, so the next start finds no lock
// to take over. A detached step keeps running on the server either way.
//
// A closed terminal shows up as SIGHUP, but often first as the end of stdin: Node then finds
// nothing left to wait for, and Ink's beforeExit unmount writes to the dead terminal (EIO,
// a crash, the locks left behind). So the end of a terminal's stdin counts as a hangup too.
// After a hangup the process dies by SIGHUP itself: a normal exit would restore the terminal's
// mode on a terminal that is gone, which Node 20 turns into an assertion failure (abort).

/**
 * On SIGHUP or SIGTERM (and, with `terminal`, the end of stdin): `release()` (bounded by
 * `timeoutMs`), then leave (SIGHUP: killed by it, exit status 129; SIGTERM: exit 143).
 * Returns the function that removes the handlers (call it once the run closed normally).
 */
export function releaseOnSignals(release: () => Promise<unknown>, options: { terminal?: boolean; timeoutMs?: number } = {}): () => void {
  let releasing = false;
  const timeoutMs = options.timeoutMs ?? 5000;
  const leave = (how: 'hangup' | 'term') => {
    if (releasing) return;
    releasing = true;
    if (how === 'hangup') {
      // Writes to the terminal fail from now on; nothing more is shown there.
      const ignore = () => undefined;
      process.stdout.on('error', ignore);
      process.stderr.on('error', ignore);
    }
    const timer = new Promise((r) => setTimeout(r, timeoutMs).unref());
    void Promise.race([release().catch(() => undefined), timer]).finally(() => {
      if (how === 'term') process.exit(143);
      process.removeAllListeners('SIGHUP');
      process.kill(process.pid, 'SIGHUP');
    });
  };
  const onHup = () => leave('hangup');
  const onTerm = () => leave('term');
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onTerm);
  if (options.terminal) {
    process.stdin.on('end', onHup);
    process.stdin.on('error', onHup);
  }
  return () => {
    process.removeListener('SIGHUP', onHup);
    process.removeListener('SIGTERM', onTerm);
    process.stdin.removeListener('end', onHup);
    process.stdin.removeListener('error', onHup);
  };
}
