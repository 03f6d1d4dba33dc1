// Drive an Ink screen like a person: write keys, wait until the frame changes, then yield
// once more so every useInput handler has seen the new state (toolchain.md §2).
export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  enter: '\r',
  escape: '\u001b',
  tab: '\t',
  shiftTab: '\u001b[Z',
  backspace: '\u007f',
} as const;

interface App {
  lastFrame: () => string | undefined;
  stdin: { write: (s: string) => void };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
  await delay(0);
}

/** Write `keys` in ONE stdin write; wait for the frame to change (unless it must not). */
export async function press(app: App, keys: string, opts: { changes?: boolean } = {}): Promise<void> {
  const before = app.lastFrame();
  app.stdin.write(keys);
  if (opts.changes === false) {
    await delay(30);
    return;
  }
  await waitFor(() => app.lastFrame() !== before, `the frame to change after ${JSON.stringify(keys)}; frame:\n${before}`);
  // A key can mount a new input, or re-render one, whose useInput handler is (re)attached in
  // an effect after the frame; on two busy cores one tick is not always enough.
  await delay(30);
}

/** Let useInput attach before the first key (a write right after render is lost). */
export const ready = () => delay(20);
