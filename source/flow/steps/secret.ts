// secret: MAS's 64-hex encryption secret in vars.yml — generated, pasted, or a vault
// reference. The value is registered with the redactor before anything is written.
import { existingSecretState, planSecret, SECRET_KEY } from '../../mas/secret.js';
import { locateKey } from '../../playbook/vars-file.js';
import { varsLayer } from '../../playbook/effective.js';
import type { StepOutcome, StepRunner } from './step.js';
import { changeVars } from './vars-change.js';
import type { FlowContext } from '../context.js';

function existing(ctx: FlowContext) {
  const parsed = varsLayer(ctx.session.layers()).parsed;
  const loc = locateKey(parsed, SECRET_KEY);
  return existingSecretState(loc ? { tag: loc.tag, value: parsed.values[SECRET_KEY] } : undefined);
}

export const secret: StepRunner = {
  id: 'secret',
  commands: () => [],
  async run(ctx): Promise<StepOutcome> {
    const state = existing(ctx);
    const choice = await ctx.io.secret({ existing: state });
    if (choice === 'keep' || choice.kind === 'keep-existing') {
      if (state === 'missing' || state === 'invalid') {
        return {
          status: 'blocked',
          reasons: [`${SECRET_KEY} is ${state} in vars.yml; generate one (answers \`secret: generate\`) or paste 64 hex characters`],
        };
      }
      ctx.io.say(`Keeping the ${state === 'valid' ? 'existing secret' : `existing ${state} value`} of ${SECRET_KEY}.`, 'ok');
      return { status: 'succeeded', outputs: { secret: `kept (${state})` } };
    }
    const plan = planSecret(choice);
    for (const value of plan.secrets) ctx.addSecret(value, 'MAS encryption secret');
    const written = await changeVars(ctx, 'secret', 'The MAS encryption secret', plan.edits);
    return {
      status: 'succeeded',
      outputs: { secret: choice.kind === 'generate' ? 'generated' : choice.kind === 'reference' ? 'vault reference' : 'pasted', vars_changed: written.keys },
    };
  },
};
