/**
 * Who the app runs as: the account of the credentials the SDK finds itself (environment,
 * profile, SSO, instance role), read with STS GetCallerIdentity.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { type AwsClientOptions, createClient } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';

/** The caller's own account, and the credentials that proved it (for the clients of that account). */
export interface CallerIdentity {
  account: string;
  credentials: AwsCredentialIdentityProvider;
}

/**
 * The account of the SDK's own credentials, and those credentials (the provider the STS client
 * resolved, with `options.profile` when given).
 *
 * @example
 * const { account } = await callerIdentity({ region: 'eu-west-1' }); // '123456789012'
 */
export async function callerIdentity(options: AwsClientOptions): Promise<CallerIdentity> {
  const sts = createClient(STSClient, options);
  const { Account: account } = await awsCall('STS GetCallerIdentity', () =>
    sts.send(new GetCallerIdentityCommand({})),
  );
  if (account === undefined)
    throw new AwsCallError('STS GetCallerIdentity', new Error('the answer names no account'));
  return { account, credentials: sts.config.credentials };
}
