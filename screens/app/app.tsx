// The wizard's frame: header, the plan strip (full step list on s), the live area (the
// question of the moment, or the running step's log, or the stop / summary), and the keys.
// Narration goes above it through <Static>. The live frame is kept shorter than the terminal.
import React, { useState } from 'react';
import { Box, useStdout } from 'ink';
import { stepDefinition } from '../../state/steps.js';
import { KeyHints, type KeyHint } from '../components/key-hints.js';
import { useKeys } from '../components/keys.js';
import { useActions, useView, WizardProvider, type AppEngine } from './contexts.js';
import { Header } from './header.js';
import { Narration } from './narration.js';
import { isTyping, PromptView } from './prompt-view.js';
import { StepList, StepStrip } from './step-list.js';
import { QuitView, RunningView, StartingView, StoppedView, SummaryView } from './views.js';

export function App({ engine }: { engine: AppEngine }): React.JSX.Element {
  return <WizardProvider engine={engine}><Shell /></WizardProvider>;
}

type Overlay = 'none' | 'steps' | 'quit';

function Shell(): React.JSX.Element {
  const view = useView();
  const actions = useActions();
  const { stdout } = useStdout();
  const rows = stdout.rows || 24;
  const [overlay, setOverlay] = useState<Overlay>('none');
  const typing = overlay === 'none' && isTyping(view.prompt);
  const done = view.phase === 'done';
  const running = view.plan?.steps.find((s) => s.status === 'running');
  const longStep = running && stepDefinition(running.id).long && !view.prompt ? stepDefinition(running.id).title : null;

  useKeys((input, key) => {
    if (overlay === 'quit') {
      if (input === 'y' || input === 'Y') actions.quit();
      else if (input === 'n' || input === 'N' || key.escape || key.return) setOverlay('none');
      return;
    }
    if (overlay === 'steps') {
      if (input === 's' || key.escape || key.return) setOverlay('none');
      else if (input === 'q') setOverlay('quit');
      return;
    }
    const quitKey = (key.ctrl && input === 'c') || (!typing && input === 'q');
    if (quitKey) {
      if (done) actions.finish();
      else setOverlay('quit');
    } else if (!typing && input === 's' && view.plan) setOverlay('steps');
    else if (done && key.return) actions.finish();
    else if (!view.prompt && view.phase === 'stopped' && input === 'r') actions.retry();
  });

  // Rows: header + strip + live area + key hints, and one spare so Ink never fills the screen.
  const body = Math.max(6, rows - 4);
  const logHeight = Math.max(4, rows - 12);
  let live: React.JSX.Element;
  if (overlay === 'quit') live = <QuitView longStep={longStep} />;
  else if (overlay === 'steps' && view.plan) live = <StepList plan={view.plan} />;
  else if (view.prompt) live = <PromptView prompt={view.prompt} plan={view.plan} height={body} />;
  else if (view.phase === 'done') live = <SummaryView view={view} />;
  else if (view.phase === 'stopped') live = <StoppedView view={view} logHeight={Math.max(3, logHeight - 4)} />;
  else if (view.phase === 'running') live = <RunningView view={view} logHeight={logHeight} />;
  else live = <StartingView status={view.status} />;

  const hints: KeyHint[] = [];
  if (overlay === 'quit') hints.push(['y', 'quit'], ['n', 'stay']);
  else if (overlay === 'steps') hints.push(['s/Esc', 'close the list'], ['q', 'quit']);
  else {
    if (view.phase === 'stopped' && !view.prompt) hints.push(['r', 'try again']);
    if (done) hints.push(['Enter/q', 'exit']);
    if (view.plan && !typing) hints.push(['s', 'all steps']);
    if (view.phase === 'running' && !view.prompt) hints.push(['↑↓ PgUp PgDn', 'scroll log']);
    if (!done) hints.push(typing ? ['Ctrl+C', 'quit'] : ['q', 'quit']);
  }

  return (
    <>
      <Narration lines={view.narration} />
      <Box flexDirection="column">
        <Header plan={view.plan} />
        {view.plan ? <StepStrip plan={view.plan} /> : null}
        {/* A question or overlay gets a fixed, clipped area (screens can run long); the running
            view sizes itself, leaving rows above for the narration. */}
        {view.prompt || overlay !== 'none' ? <Box flexDirection="column" height={body} overflowY="hidden">{live}</Box> : live}
        <KeyHints hints={hints} />
      </Box>
    </>
  );
}
