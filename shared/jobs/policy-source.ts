/**
 * Where a function's policy comes from, and the switch every change obeys: the one place their
 * environment is declared and read. Its own module: reading the policy bundles the SSM client
 * and the policy loader, which only the functions that read it should carry.
 */
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import type { AwsClientOptions } from '../aws/clients.js';
import { loadPolicyFile } from '../aws/policy-file.js';
import { policyParameterReader } from '../aws/policy-parameter.js';
import type { Policy } from '../domain/policy/schema.js';
import { envBoolean } from '../runtime/config.js';
import { createFunctionBase } from './function-base.js';

export const POLICY_ENV = {
  /** The global switch: a new deployment changes nothing until this is set to false. */
  DRY_RUN: envBoolean.default(true),
  /** The bundled policy sits beside the bundle; a deployment may point elsewhere. */
  POLICY_FILE: z.string().min(1).optional(),
  /** An SSM String parameter holding the policy YAML; takes precedence over POLICY_FILE. Empty: unset. */
  POLICY_PARAMETER: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value)),
} as const;

/**
 * The policy reader of a function: the SSM parameter when one is named (cached by Powertools),
 * else the policy file, read on first use (a bad policy fails the invocation with its message
 * instead of the cold start) and kept for the container (a failed read is tried again).
 */
function policyReader(
  config: { POLICY_FILE?: string; POLICY_PARAMETER?: string },
  aws: AwsClientOptions,
): () => Promise<Policy> {
  if (config.POLICY_PARAMETER !== undefined) return policyParameterReader(config.POLICY_PARAMETER, aws);
  const policyFile = config.POLICY_FILE ?? fileURLToPath(new URL('./policy.yaml', import.meta.url));
  let policy: Promise<Policy> | undefined;
  return () => {
    policy ??= loadPolicyFile(policyFile).catch((error: unknown) => {
      policy = undefined;
      throw error;
    });
    return policy;
  };
}

/**
 * A function's base with its policy reader; its config parsed against POLICY_ENV too.
 *
 * @example
 * const base = withPolicy(workflowBase('migration-durability', POLICY_ENV, env));
 * const policy = await base.policy();
 */
export function withPolicy<
  Base extends { config: { POLICY_FILE?: string; POLICY_PARAMETER?: string }; aws: AwsClientOptions },
>(base: Base) {
  return { ...base, policy: policyReader(base.config, base.aws) };
}

/**
 * The base (shared/jobs/function-base.ts) of a function that reads the policy.
 *
 * @example
 * const base = createPolicyFunctionBase('snapshot-cleanup');
 * const days = (await base.policy()).settings.snapshotRetentionDays;
 */
export function createPolicyFunctionBase<Extra extends z.ZodRawShape>(
  component: string,
  extra: Extra = {} as Extra,
  env: NodeJS.ProcessEnv = process.env,
) {
  const base = createFunctionBase(component, { ...POLICY_ENV, ...extra }, env);
  // As in createFunctionBase: TypeScript cannot resolve zod's output of a generic merged shape.
  const config = base.config as typeof base.config & z.infer<z.ZodObject<typeof POLICY_ENV>>;
  return { ...base, config, policy: policyReader(config, base.aws) };
}
export type PolicyFunctionBase<Extra extends z.ZodRawShape> = ReturnType<
  typeof createPolicyFunctionBase<Extra>
>;
