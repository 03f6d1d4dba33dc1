// Renders the wizard for an engine (source/commands/wizard.ts owns the engine and the exit
// code). A one-line frame goes up first and the App (its screens, …) is loaded
// after it, so the operator sees the wizard start at once. Ctrl+C belongs to the App: it
// asks before quitting instead of killing a step mid-way.
import { render, Text } from 'ink';
import type { AppEngine } from './app/contexts.js';

export interface AppHandle { unmount(): void; waitUntilExit(): Promise<unknown> }

export async function startApp(engine: AppEngine): Promise<AppHandle> {
  const instance = render(<Text><Text bold>mas-wizard</Text> starting…</Text>, { exitOnCtrlC: false });
  const { App } = await import('./app/app.js');
  instance.rerender(<App engine={engine} />);
  return { unmount: () => instance.unmount(), waitUntilExit: () => instance.waitUntilExit() };
}
