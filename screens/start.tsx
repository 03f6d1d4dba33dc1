// Renders the wizard's App for an engine (source/commands/wizard.ts owns the engine and the
// exit code). Ctrl+C is the App's: it asks before quitting instead of killing a step mid-way.
import React from 'react';
import { render } from 'ink';
import { App } from './app/app.js';
import type { AppEngine } from './app/contexts.js';

export function startApp(engine: AppEngine): { unmount(): void; waitUntilExit(): Promise<unknown> } {
  const instance = render(<App engine={engine} />, { exitOnCtrlC: false });
  return { unmount: () => instance.unmount(), waitUntilExit: () => instance.waitUntilExit() };
}
