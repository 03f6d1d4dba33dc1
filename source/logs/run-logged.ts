// Runs a command on a Target with its output going through a LogSink: the command is
// recorded (masked) in the transcript before it starts, every chunk is split, redacted and
// kept, and the end record carries the exit status (or lost/cancelled). Screens then show
// the sink; the engine keeps the RunResult.
import type { Command, RunOptions, RunResult, Target } from '../targets/target.js';
import { commandLine } from '../targets/quote.js';
import type { LogSink } from './log-sink.js';

export interface RunLoggedMeta {
  /** What the operator was shown; defaults to the argv quoted for sh, or the script. */
  display?: string;
  step?: string;
}

export function displayOf(command: Command): string {
  if (!('argv' in command)) return command.script;
  try {
    return commandLine(command.argv);
  } catch (error) {
    return `(a command that cannot run: ${(error as Error).message})`;
  }
}

export async function runLogged(target: Target, command: Command, sink: LogSink, meta: RunLoggedMeta = {}, options: RunOptions = {}): Promise<RunResult> {
  const id = sink.beginCommand({ display: meta.display ?? displayOf(command), target: target.description, step: meta.step });
  let result: RunResult;
  try {
    result = await target.run(command, {
      ...options,
      onStdout: (chunk) => { sink.push('stdout', chunk); options.onStdout?.(chunk); },
      onStderr: (chunk) => { sink.push('stderr', chunk); options.onStderr?.(chunk); },
    });
  } catch (error) {
    // The command could not be started (bad argv, closed target…): say so in the log too.
    sink.info(`mas-wizard: could not run the command: ${(error as Error).message}`, 'stderr');
    sink.endCommand(id, { code: null });
    throw error;
  }
  sink.endCommand(id, result);
  return result;
}
