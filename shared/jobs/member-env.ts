/**
 * How every function reaches member accounts: one environment (the deployment's params
 * memberRoleName and memberExternalIdParameter), one rule for the role name, one read of the
 * external id per container, and one error for a reaction that failed in another account or region.
 */
import * as z from 'zod';
import type { AwsClientOptions } from '../aws/clients.js';
import { externalIdReader } from '../aws/external-id.js';
import { type MemberAccessSource, targetFailure } from '../aws/targets.js';
import type { Policy } from '../domain/policy/schema.js';
import {
  DEFAULT_MEMBER_ROLE,
  type MemberAccess,
  roleNameSchema,
  ssmParameterNameSchema,
  type Target,
  targetName,
} from '../domain/targets.js';
import { GuardrailsError } from '../runtime/errors.js';
import { isRetryable } from '../runtime/retryable.js';

const emptyAsUnset = (value: string | undefined) => (value === '' ? undefined : value);

/** The deployment's settings for reaching member accounts; spread into a function's env schema. */
export const MEMBER_ENV = {
  /** The member role's name; IAM lets the functions assume only this one. Empty: the policy's. */
  MEMBER_ROLE_NAME: z.string().optional().transform(emptyAsUnset).pipe(roleNameSchema.optional()),
  /** The SSM SecureString parameter holding the member role's external id (the name only). Empty: none. */
  MEMBER_EXTERNAL_ID_PARAMETER: z
    .string()
    .optional()
    .transform(emptyAsUnset)
    .pipe(ssmParameterNameSchema.optional()),
} as const;

/** A function's parsed {@link MEMBER_ENV}. */
export interface MemberEnv {
  MEMBER_ROLE_NAME?: string | undefined;
  MEMBER_EXTERNAL_ID_PARAMETER?: string | undefined;
}

/**
 * The member role a function assumes: the deployment's role name, else the policy's
 * (`settings.targets.roleName`), else {@link DEFAULT_MEMBER_ROLE}.
 *
 * @example
 * const roleName = memberRoleOf(base.config, await base.policy());
 */
export function memberRoleOf(config: MemberEnv, policy?: Policy): string {
  return config.MEMBER_ROLE_NAME ?? policy?.settings.targets?.roleName ?? DEFAULT_MEMBER_ROLE;
}

/**
 * One `T` (credentials, clients) per member role, made on first use and kept for the container's
 * life: the policy may name the role, so a new policy can call for another. Every role shares one
 * reader of the deployment's external id parameter, which reads it only when an AssumeRole first
 * needs it (shared/aws/external-id.ts).
 *
 * @example
 * const membersFor = perMemberAccess(base.config, base.aws, (access) => new MemberCredentials(access, base.aws));
 * const members = membersFor(await base.policy());
 */
export function perMemberAccess<T>(
  config: MemberEnv,
  aws: AwsClientOptions,
  make: (access: MemberAccessSource) => T,
): (policy?: Policy) => T {
  const parameter = config.MEMBER_EXTERNAL_ID_PARAMETER;
  const externalId = parameter === undefined ? undefined : externalIdReader(parameter, aws);
  const kept = new Map<string, T>();
  return (policy) => {
    const roleName = memberRoleOf(config, policy);
    const found = kept.get(roleName) ?? make({ roleName, externalId });
    kept.set(roleName, found);
    return found;
  };
}

/** A reaction that failed in another target; the message names the target and the cause. */
export class TargetReactionError extends GuardrailsError {
  constructor(target: Target, cause: string, options: ErrorOptions & { retryable: boolean }) {
    super(`reacting in ${targetName(target)}: ${cause}`, options);
    this.name = 'TargetReactionError';
  }
}

/**
 * Run a reaction in a member's target; its failure (the role denied, STS throttled, the region
 * not enabled, …) becomes a {@link TargetReactionError} naming the cause.
 *
 * @example
 * await reactIn(target, members.access, () => react(target));
 */
export async function reactIn<T>(target: Target, access: MemberAccess, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    const failure = targetFailure(error, target, access);
    throw new TargetReactionError(target, failure.cause, { cause: error, retryable: isRetryable(error) });
  }
}
