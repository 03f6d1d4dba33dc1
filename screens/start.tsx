import React from 'react';
import { render, Text } from 'ink';
import type { ParsedCli } from '../source/cli-args.js';

export async function startApp(_cli: ParsedCli): Promise<number> {
  const app = render(<Text>mas-wizard</Text>);
  app.unmount();
  return 0;
}
