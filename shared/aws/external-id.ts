/**
 * The member roles' external id, read from the deployment's SSM SecureString parameter
 * (deploy parameter `memberExternalIdParameter`) when an AssumeRole first needs it, so the value
 * is in no template, Lambda environment or packaging state. Errors name the parameter and the
 * call, never the value.
 */

import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { SSMGetOptions } from '@aws-lambda-powertools/parameters/ssm/types';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { EXTERNAL_ID_RULE, externalIdSchema } from '../domain/targets.js';
import { ConfigError } from '../runtime/errors.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/**
 * How long a container keeps the external id: an hour. The value changes only with a rotation,
 * which also changes every member role's trust (the member StackSet), so it is read about once per
 * container rather than once per scan; an hour bounds how long a container asks with the old value.
 */
export const EXTERNAL_ID_MAX_AGE_SECONDS = 3600;

/**
 * Powertools' SSM provider (its cache, its error wrapping) whose read also checks the parameter's
 * type: a `String` parameter is readable by anyone allowed `ssm:GetParameter`, without the KMS
 * key, so it is refused rather than used.
 */
class SecureStringProvider extends SSMProvider {
  protected override async _get(name: string, options?: SSMGetOptions): Promise<string | undefined> {
    const { Parameter: parameter } = await this.client.send(
      new GetParameterCommand({ Name: name, WithDecryption: options?.decrypt === true }),
    );
    if (parameter !== undefined && parameter.Type !== 'SecureString')
      throw new ConfigError(
        `SSM parameter ${name} is a ${parameter.Type ?? 'parameter of unknown type'}, not a SecureString: the external id is a secret (aws ssm put-parameter --name ${name} --type SecureString --overwrite)`,
      );
    return parameter?.Value;
  }
}

/**
 * A reader of the external id kept in the SSM SecureString parameter `name`: read with decryption
 * on first use (reads made at once share one request) and kept {@link EXTERNAL_ID_MAX_AGE_SECONDS}
 * (a failed read is not kept); the value is checked against the member stack's rule. Errors name
 * the parameter and the call.
 *
 * @example
 * const externalId = externalIdReader('/guardrails/member-external-id', base.aws);
 * await sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName, ExternalId: await externalId() }));
 */
export function externalIdReader(name: string, options: AwsClientOptions = {}): () => Promise<string> {
  const provider = new SecureStringProvider({ awsSdkV3Client: createClient(SSMClient, options) });
  const read = async () => {
    // Powertools wraps the SDK's error; the SDK's own (its name, whether it is throttling) is what counts.
    const value = await awsCall(`SSM GetParameter ${name}`, () =>
      provider.get(name, { decrypt: true, maxAge: EXTERNAL_ID_MAX_AGE_SECONDS }).catch((error: unknown) => {
        const cause = error instanceof Error && error.name === 'GetParameterError' ? error.cause : undefined;
        throw cause ?? error;
      }),
    );
    const parsed = externalIdSchema.safeParse(value);
    if (!parsed.success)
      throw new ConfigError(`SSM parameter ${name} holds no valid external id: ${EXTERNAL_ID_RULE}`);
    return parsed.data;
  };
  // Powertools caches a value once read: the members assumed at once share the read in flight.
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= read().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
