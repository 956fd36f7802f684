/**
 * The deployment's external id in the sandbox as in AWS: a SecureString in the central account's
 * SSM Parameter Store, the functions given only its name (MEMBER_EXTERNAL_ID_PARAMETER).
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type AwsClientOptions, createClient } from '../../shared/aws/clients.js';

/** The parameter the sandbox keeps the external id in (the README's example name). */
export const LOCAL_EXTERNAL_ID_PARAMETER = '/guardrails/member-external-id';

/**
 * Put `externalId` into the sandbox's SSM as a SecureString (as `aws ssm put-parameter --type
 * SecureString` does) and answer the parameter's name, for MEMBER_EXTERNAL_ID_PARAMETER.
 *
 * @example
 * const parameter = await putExternalId({ endpoint: emulator.endpoint, region: 'us-east-1' }, externalId);
 */
export async function putExternalId(
  central: AwsClientOptions,
  externalId: string,
  name = LOCAL_EXTERNAL_ID_PARAMETER,
  type: 'SecureString' | 'String' = 'SecureString',
): Promise<string> {
  const ssm = createClient(SSMClient, central);
  await ssm.send(new PutParameterCommand({ Name: name, Value: externalId, Type: type, Overwrite: true }));
  return name;
}
