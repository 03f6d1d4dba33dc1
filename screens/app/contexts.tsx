// State vs actions (gemini-cli style): the view of the engine's store in one context, the
// things a screen may ask for in another, so a component that only dispatches never
// re-renders on state changes.
import React, { createContext, useContext, useMemo, useSyncExternalStore } from 'react';
import type { AnswerMap, PromptIO, PromptKind, WizardView } from '../../source/flow/prompt-io.js';
import type { WizardActions } from '../../source/flow/prompt-io.js';

export interface AppActions extends WizardActions {
  answer<K extends PromptKind>(id: number, value: AnswerMap[K]): void;
  cancel(id: number, reason?: string): void;
}

/** What the App needs from the engine: its store and its actions (WizardEngine has both). */
export interface AppEngine extends WizardActions {
  io: PromptIO;
}

const ViewContext = createContext<WizardView | null>(null);
const ActionsContext = createContext<AppActions | null>(null);

export function WizardProvider({ engine, children }: { engine: AppEngine; children: React.ReactNode }): React.JSX.Element {
  const view = useSyncExternalStore((l) => engine.io.subscribe(l), () => engine.io.current());
  const actions = useMemo<AppActions>(() => ({
    retry: () => engine.retry(),
    quit: () => engine.quit(),
    finish: () => engine.finish(),
    checkDns: (hostname, domain) => engine.checkDns(hostname, domain),
    answer: (id, value) => engine.io.answer(id, value),
    cancel: (id, reason) => engine.io.cancel(id, reason),
  }), [engine]);
  return (
    <ActionsContext.Provider value={actions}>
      <ViewContext.Provider value={view}>{children}</ViewContext.Provider>
    </ActionsContext.Provider>
  );
}

export function useView(): WizardView {
  const v = useContext(ViewContext);
  if (!v) throw new Error('useView outside WizardProvider');
  return v;
}

export function useActions(): AppActions {
  const a = useContext(ActionsContext);
  if (!a) throw new Error('useActions outside WizardProvider');
  return a;
}
