import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parsePolicy } from '../domain/policy/load.js';
import type { Policy } from '../domain/policy/schema.js';
import { ConfigError } from '../runtime/errors.js';
import { type AwsClientOptions, createClient } from './clients.js';
import { awsCall } from './errors.js';

/** How long a policy read from SSM is used before it is read again. */
export const POLICY_MAX_AGE_SECONDS = 300;

/**
 * A reader of the policy kept in an SSM String parameter (Powertools Parameters, cached for
 * five minutes per container); errors name the parameter, and YAML errors its line.
 *
 * @example
 * const policy = await policyParameterReader('/guardrails/policy')();
 */
export function policyParameterReader(name: string, options: AwsClientOptions = {}): () => Promise<Policy> {
  const provider = new SSMProvider({ awsSdkV3Client: createClient(SSMClient, options) });
  return async () => {
    // Powertools wraps the SDK's error; the SDK's own (its name, whether it is throttling) is what counts.
    const text = await awsCall(`SSM GetParameter ${name}`, () =>
      provider.get(name, { maxAge: POLICY_MAX_AGE_SECONDS }).catch((error: unknown) => {
        throw error instanceof Error && error.name === 'GetParameterError' && error.cause !== undefined
          ? error.cause
          : error;
      }),
    );
    if (typeof text !== 'string' || text.trim() === '')
      throw new ConfigError(`SSM parameter ${name} holds no policy (empty or missing value)`);
    return parsePolicy(text, `ssm:${name}`);
  };
}
