// The one input layer: every key of the wizard's screens arrives through `useKeys`.
//
// Why not Ink's useInput (or @inkjs/ui / ink-select-input, which use it): a burst read in one
// chunk (a pasted secret with its Enter, ↓↓↓ then Enter) reached handlers whose state was one
// render old. Ink hands a whole run of text (`abc\r`) to the handler as one input, and it
// re-subscribes a handler in a passive effect, so the next key of the burst still went to the
// previous render's closure: ↓↓↓⏎ selected the first item, the secret kept its `\r`.
//
// Here one listener per Ink instance owns the raw input: it splits Ink's events into single
// keys, joins a bracketed paste (ESC[200~ … ESC[201~) into one `paste` key, and delivers key by
// key, letting React render and commit between two keys, so each key sees the state the
// previous key left; handlers are (re)registered in layout effects, in that commit. A key goes to the handlers as they were when it arrived: a field that
// appears because of an Enter does not also receive that Enter, and a screen's handler does
// not act on what a field's handler just did with the same key.
import { useLayoutEffect, useRef } from 'react';
import { useStdin, useStdout } from 'ink';

export interface Key {
  upArrow: boolean;
  downArrow: boolean;
  leftArrow: boolean;
  rightArrow: boolean;
  pageUp: boolean;
  pageDown: boolean;
  home: boolean;
  end: boolean;
  return: boolean;
  escape: boolean;
  tab: boolean;
  shift: boolean;
  backspace: boolean;
  delete: boolean;
  ctrl: boolean;
  meta: boolean;
  /** `input` is text the terminal marked as pasted (bracketed paste): insert it, act on nothing. */
  paste: boolean;
}

export type KeyHandler = (input: string, key: Key) => void;

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageUp: false,
  pageDown: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  tab: false,
  shift: false,
  backspace: false,
  delete: false,
  ctrl: false,
  meta: false,
  paste: false,
};

export const PASTE_START = '\u001b[200~';
export const PASTE_END = '\u001b[201~';

const CSI_KEYS: Record<string, Partial<Key>> = {
  A: { upArrow: true },
  B: { downArrow: true },
  C: { rightArrow: true },
  D: { leftArrow: true },
  H: { home: true },
  F: { end: true },
  Z: { tab: true, shift: true },
  '1~': { home: true },
  '7~': { home: true },
  '4~': { end: true },
  '8~': { end: true },
  '3~': { delete: true },
  '5~': { pageUp: true },
  '6~': { pageDown: true },
};

export interface KeyEvent {
  input: string;
  key: Key;
}

const event = (input: string, key: Partial<Key> = {}): KeyEvent => ({ input, key: { ...NO_KEY, ...key } });

/** One escape sequence (as Ink cuts them: CSI, SS3, ESC+char, a lone ESC) as a key. */
function sequenceKey(seq: string): KeyEvent {
  if (seq === '\u001b' || seq === '\u001b\u001b') return event('', { escape: true, meta: true });
  const csi = /^\u001b+(?:\[|O)([\d;]*)([A-Za-z~])$/.exec(seq);
  if (csi) {
    const [, params, final] = csi;
    const parts = params.split(';');
    const mod = Number(parts[1] ?? 1) - 1; // xterm modifiers: 1 shift, 2 alt, 4 ctrl
    const name = final === '~' ? `${parts[0]}~` : final;
    const known = CSI_KEYS[name] ?? (final === 'P' || final === 'Q' || final === 'R' || final === 'S' ? {} : undefined);
    if (known) return event('', { ...known, shift: Boolean(known.shift) || (mod & 1) === 1, meta: (mod & 2) === 2, ctrl: (mod & 4) === 4 });
    return event(''); // an unknown sequence: a key that types nothing
  }
  // ESC followed by one character: Alt/Meta + that character.
  const rest = seq.replace(/^\u001b+/, '');
  return event(rest, { meta: true });
}

/**
 * The keys in one run of plain text (no ESC in it): each control character is a key, and the
 * printable text between them is one key (typed by hand it comes one character per read; a
 * longer run is a paste or a machine, and a one-letter command must not act on it).
 */
function textKeys(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  let run = '';
  const flush = () => {
    if (run) out.push(event(run, { shift: /^[A-Z]$/.test(run) }));
    run = '';
  };
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code !== 0x7f && !(code >= 0x80 && code < 0xa0)) {
      run += ch;
      continue;
    }
    flush();
    if (ch === '\r' || ch === '\n') out.push(event('', { return: true }));
    else if (ch === '\t') out.push(event('', { tab: true }));
    else if (code === 0x7f || code === 0x08) out.push(event('', { backspace: true }));
    else if (code === 0) out.push(event(' ', { ctrl: true }));
    else if (code < 0x20) out.push(event(String.fromCharCode(code + 96), { ctrl: true }));
    // C1 controls (0x80–0x9f) type nothing.
  }
  flush();
  return out;
}

/**
 * Turns Ink's input events (escape sequences cut apart, text runs whole) into single keys,
 * joining a bracketed paste into one. Keeps the paste state between events and chunks.
 */
export function createKeyReader(): { push: (inkEvent: string) => KeyEvent[] } {
  let pasting: string | null = null;
  return {
    push(data: string): KeyEvent[] {
      if (pasting !== null) {
        if (data === PASTE_END) {
          const text = pasting;
          pasting = null;
          return [event(text, { paste: true })];
        }
        pasting += data;
        return [];
      }
      if (data === PASTE_START) {
        pasting = '';
        return [];
      }
      if (data.startsWith('\u001b')) return [sequenceKey(data)];
      return textKeys(data);
    },
  };
}

interface Dispatcher {
  handlers: Set<{ current: KeyHandler }>;
  detach: () => void;
}

const dispatchers = new WeakMap<object, Dispatcher>();
const BRACKETED_ON = '\u001b[?2004h';
const BRACKETED_OFF = '\u001b[?2004l';

function dispatcherFor(emitter: NodeJS.EventEmitter, stdout: NodeJS.WriteStream, setRawMode: (on: boolean) => void): Dispatcher {
  const known = dispatchers.get(emitter);
  if (known) return known;
  const reader = createKeyReader();
  const handlers = new Set<{ current: KeyHandler }>();
  const queue: KeyEvent[] = [];
  let draining = false;
  let detached = false;
  const deliver = ({ input, key }: KeyEvent) => {
    // The handlers as they are when this key's turn comes (each sees the state the previous
    // key left, not what an earlier handler of this key just changed); one removed
    // meanwhile gets nothing.
    const now = [...handlers].map((h) => [h, h.current] as const);
    for (const [h, handle] of now) if (handlers.has(h)) handle(input, key);
  };
  // React does not render an update made here at once: it queues a microtask that schedules
  // the render as a Scheduler task (setImmediate in Node). Before the next key of a burst,
  // let that render and commit: a setImmediate queued from a setImmediate callback runs in
  // the next turn of the event loop, after the Scheduler task queued in this one.
  const drain = () => {
    const next = queue.shift();
    if (!next || detached) {
      draining = false;
      return;
    }
    deliver(next);
    // Also when nothing is queued: a key read meanwhile waits for that render too.
    setImmediate(() => setImmediate(drain));
  };
  const onInput = (data: string) => {
    queue.push(...reader.push(data));
    if (!draining && queue.length > 0) {
      draining = true;
      drain();
    }
  };
  emitter.on('input', onInput);
  setRawMode(true);
  // Ask the terminal to mark pastes, so a pasted newline never submits a field by itself.
  const tty = Boolean(stdout.isTTY);
  const off = () => stdout.write(BRACKETED_OFF);
  if (tty) {
    stdout.write(BRACKETED_ON);
    process.once('exit', off);
  }
  const d: Dispatcher = {
    handlers,
    detach: () => {
      detached = true;
      emitter.removeListener('input', onInput);
      setRawMode(false);
      if (tty) {
        off();
        process.removeListener('exit', off);
      }
      dispatchers.delete(emitter);
    },
  };
  dispatchers.set(emitter, d);
  return d;
}

/** Like Ink's useInput, but every key of a burst is seen with the state the previous key left. */
export function useKeys(handler: KeyHandler, options: { isActive?: boolean } = {}): void {
  const { internal_eventEmitter: emitter, setRawMode } = useStdin();
  const { stdout } = useStdout();
  const ref = useRef(handler);
  useLayoutEffect(() => {
    ref.current = handler;
  });
  const active = options.isActive !== false;
  useLayoutEffect(() => {
    if (!active || !emitter) return;
    const d = dispatcherFor(emitter, stdout, setRawMode);
    d.handlers.add(ref);
    return () => {
      d.handlers.delete(ref);
      // A screen swap removes every handler and adds the next screen's in the same commit;
      // keep the listener (and a paste in progress) unless nothing comes back.
      if (d.handlers.size === 0)
        queueMicrotask(() => {
          if (d.handlers.size === 0 && dispatchers.get(emitter) === d) d.detach();
        });
    };
  }, [active, emitter, stdout, setRawMode]);
}
