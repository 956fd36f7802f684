import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { policyParameterReader } from '../../../shared/aws/policy-parameter.js';

const ssm = mockClient(SSMClient);
const POLICY = `version: 1
rules:
  - name: prod-durability
    mode: enforce
    match: { tags: { env: prod } }
    durability: { minimum: sync }
`;
const options = { region: 'us-east-1', maxAttempts: 1 };

describe('Function: policyParameterReader', () => {
  beforeEach(() => ssm.reset());

  it('reads the policy from the parameter and reuses it within five minutes', async () => {
    ssm.on(GetParameterCommand, { Name: '/guardrails/policy' }).resolves({ Parameter: { Value: POLICY } });
    const read = policyParameterReader('/guardrails/policy', options);

    const first = await read();
    const second = await read();

    expect(first.rules[0]).toMatchObject({ name: 'prod-durability', mode: 'enforce' });
    expect(second).toEqual(first);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('names the parameter and the line of a policy error', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Value: POLICY.replace('minimum: sync', 'minimum: always') } });

    await expect(policyParameterReader('/guardrails/policy', options)()).rejects.toThrow(
      /ssm:\/guardrails\/policy:6 rules\[0\]\.durability\.minimum/,
    );
  });

  it('names the call and the parameter when SSM refuses', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('not found'), { name: 'ParameterNotFound' }));

    await expect(policyParameterReader('/guardrails/missing', options)()).rejects.toThrow(
      'SSM GetParameter /guardrails/missing failed: ParameterNotFound',
    );
  });
});
