
import { render, Text } from 'ink';
import type { AppEngine } from './app/contexts.js';

export interface AppHandle { unmount(): void; waitUntilExit(): Promise<unknown> }

export async function startApp(engine: AppEngine): Promise<AppHandle> {
  const instance = render(<Text><Text bold>mas-wizard</Text> starting…</Text>, { exitOnCtrlC: false });
  const { App } = await import('./app/app.js');
  instance.rerender(<App engine={engine} />);
  return { unmount: () => instance.unmount(), waitUntilExit: () => instance.waitUntilExit() };
}
