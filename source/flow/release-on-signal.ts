// A wizard whose terminal goes away (SIGHUP: an SSH session dropped, a tmux pane closed) or
// that is asked to stop (SIGTERM) releases its locks before it exits, so the next start finds
// no lock to take over. A detached step keeps running on the server either way.

const CODES: Record<'SIGHUP' | 'SIGTERM', number> = { SIGHUP: 129, SIGTERM: 143 };

/**
 * On SIGHUP or SIGTERM: `release()` (bounded by `timeoutMs`), then exit 128 + the signal number.
 * Returns the function that removes the handlers (call it once the run closed normally).
 */
export function releaseOnSignals(release: () => Promise<unknown>, timeoutMs = 5000): () => void {
  let releasing = false;
  const handlers = (Object.keys(CODES) as (keyof typeof CODES)[]).map((signal) => {
    const handler = () => {
      if (releasing) return;
      releasing = true;
      const timer = new Promise((r) => setTimeout(r, timeoutMs).unref());
      void Promise.race([release().catch(() => undefined), timer]).finally(() => process.exit(CODES[signal]));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => { for (const [signal, handler] of handlers) process.removeListener(signal, handler); };
}
