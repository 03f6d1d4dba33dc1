// providers: MAS upstream OAuth2 providers — converted from Synapse's OIDC providers
// (with the syn2mas mapping for the playbook generation) or entered by the operator.
import { convertSynapseOidc, LEGACY_MAPPING_KEY } from '../../mas/oidc-convert.js';
import { checkProvider, isPlainObject, PROVIDERS_KEY, toVarsValue, type Provider } from '../../mas/providers.js';
import { effectiveBool } from '../../playbook/effective.js';
import type { VarsEdit } from '../../playbook/vars-edit.js';
import type { StepOutcome, StepRunner } from './step.js';
import { changeVars, varsValues } from './vars-change.js';

export const providers: StepRunner = {
  id: 'providers',
  commands: () => [],
  async run(ctx): Promise<StepOutcome> {
    const s = ctx.session;
    const values = varsValues(ctx);
    const synapseOidc = effectiveBool(s.layers(), 'matrix_synapse_oidc_enabled').value === true;
    const conversion = convertSynapseOidc(synapseOidc ? values.matrix_synapse_oidc_providers : undefined, s.generation);
    for (const secret of conversion.secrets) ctx.addSecret(secret, 'OIDC client secret');
    for (const f of conversion.failures)
      ctx.io.say(`${f.synapseIdpId} could not be converted: ${f.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, 'error');
    const existingRaw = Array.isArray(values[PROVIDERS_KEY]) ? (values[PROVIDERS_KEY] as unknown[]) : [];
    const existing = existingRaw
      .map((p) => checkProvider(p))
      .filter((r): r is { ok: true; provider: Provider } => r.ok)
      .map((r) => r.provider);

    const chosen = await ctx.io.providers({ converted: conversion.converted.map((c) => c.provider), existing, synapseOidc, warnings: conversion.warnings });
    if (chosen === 'keep') {
      if (synapseOidc && ctx.plan().flow === 'migrate' && existing.length === 0) {
        return {
          status: 'blocked',
          reasons: [
            'Synapse logs users in through OIDC but MAS has no upstream provider: those users could not log in after the migration. Convert them (answers `providers: convert-synapse-oidc`).',
          ],
        };
      }
      for (const p of existing) for (const v of [p.client_secret]) if (typeof v === 'string' && v) ctx.addSecret(v, 'client secret');
      return existing.length
        ? { status: 'succeeded', outputs: { providers: existing.map((p) => p.id), kept: true } }
        : { status: 'skipped', reason: 'no upstream login providers: users log in with their passwords' };
    }
    for (const p of chosen) if (typeof p.client_secret === 'string' && p.client_secret) ctx.addSecret(p.client_secret, 'client secret');
    const edits: VarsEdit[] = [{ op: 'set', key: PROVIDERS_KEY, value: toVarsValue(chosen) }];
    if (s.generation === 'legacy') {
      // The legacy syn2mas links Synapse's users through --upstreamProviderMapping arguments.
      const byId = new Map(conversion.converted.map((c) => [c.provider.id, c.synapseIdpId]));
      const mapping = chosen.filter((p) => byId.has(p.id)).flatMap((p) => ['--upstreamProviderMapping', `${byId.get(p.id)}:${p.id}`]);
      if (mapping.length) edits.push({ op: 'set', key: LEGACY_MAPPING_KEY, value: mapping });
    }
    const written = await changeVars(ctx, 'providers', 'Upstream login providers', edits);
    const mapped = chosen.map((p) => (isPlainObject(p) && typeof p.synapse_idp_id === 'string' ? `${p.id} ← ${p.synapse_idp_id}` : p.id));
    return { status: 'succeeded', outputs: { providers: mapped, vars_changed: written.keys } };
  },
};
