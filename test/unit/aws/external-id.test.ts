import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { externalIdReader } from '../../../shared/aws/external-id.js';

const ssm = mockClient(SSMClient);
const NAME = '/guardrails/member-external-id';
const SECRET = 'guardrails-7f3a9c2e51d04b68';
const options = { region: 'us-east-1', maxAttempts: 1 };
const secureString = (Value: string) => ({ Parameter: { Name: NAME, Type: 'SecureString' as const, Value } });
const fault = (name: string, message: string) => Object.assign(new Error(message), { name });

/** The message `read` fails with ('read' when it does not fail). */
async function failureOf(read: () => Promise<string>): Promise<string> {
  return read().then(
    () => 'read',
    (error: unknown) => String((error as Error).message),
  );
}

describe('Function: externalIdReader', () => {
  beforeEach(() => ssm.reset());

  it('asks SSM to decrypt the parameter and reads it once for two reads', async () => {
    // Prepare
    ssm.on(GetParameterCommand, { Name: NAME, WithDecryption: true }).resolves(secureString(SECRET));
    const read = externalIdReader(NAME, options);

    // Act
    const first = await read();
    const second = await read();

    // Assess
    expect([first, second]).toEqual([SECRET, SECRET]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('shares one request among reads made at once (the members a scan assumes together)', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(secureString(SECRET));
    const read = externalIdReader(NAME, options);

    // Act
    const values = await Promise.all([read(), read(), read()]);

    // Assess
    expect(values).toEqual([SECRET, SECRET, SECRET]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it.each([
    ['too short', 'short-s3cr3t'],
    ['a character STS refuses', 'has a space s3cr3t-0123456789'],
  ])('refuses a value %s, naming the parameter and not the value', async (_name, value) => {
    // Prepare
    ssm.on(GetParameterCommand).resolves(secureString(value));

    // Act
    const message = await failureOf(externalIdReader(NAME, options));

    // Assess
    expect(message).toBe(
      `SSM parameter ${NAME} holds no valid external id: expected 16 to 1224 letters, digits or +=,.@:/- (value not shown)`,
    );
    expect(message).not.toContain('s3cr3t');
  });

  it('refuses a String parameter, naming it and the call, not the value', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: NAME, Type: 'String', Value: SECRET } });

    // Act
    const message = await failureOf(externalIdReader(NAME, options));

    // Assess
    expect(message).toMatch(
      new RegExp(
        `^SSM GetParameter ${NAME} failed: ConfigError: SSM parameter ${NAME} is a String, not a SecureString`,
      ),
    );
    expect(message).not.toContain(SECRET);
  });

  it.each([
    ['ParameterNotFound', ''],
    [
      'AccessDeniedException',
      'User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: ssm:GetParameter',
    ],
    ['InvalidKeyId', 'The key is not valid for decryption'],
  ])('names the call and the parameter when SSM answers %s', async (code, said) => {
    // Prepare
    ssm.on(GetParameterCommand).rejects(fault(code, said));

    // Act
    const message = await failureOf(externalIdReader(NAME, options));

    // Assess
    expect(message).toBe(`SSM GetParameter ${NAME} failed: ${code}: ${said}`);
  });

  it('reads again after a failed read (a failure is not kept)', async () => {
    // Prepare
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(fault('ThrottlingException', 'Rate exceeded'))
      .resolves(secureString(SECRET));
    const read = externalIdReader(NAME, options);

    // Act
    const first = await failureOf(read);
    const second = await read();

    // Assess
    expect(first).toMatch(/ThrottlingException/);
    expect(second).toBe(SECRET);
  });
});
