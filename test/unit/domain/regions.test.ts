import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../shared/domain/policy/load.js';
import { AWS_REGIONS, regionProblem } from '../../../shared/domain/regions.js';
import { awsRegions } from '../../integration/deploy/packaging.js';

describe('Constant: AWS_REGIONS', () => {
  it("is every region of the SDK's partition data", async () => {
    // Act
    const sdk = await awsRegions();

    // Assess
    expect([...AWS_REGIONS].sort()).toEqual([...sdk].sort());
  });
});

describe('Function: regionProblem', () => {
  it.each([
    'eu-west-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
    'us-gov-west-1',
    'cn-northwest-1',
    'us-isof-south-1',
  ])('takes %s', (region) => {
    expect(regionProblem(region)).toBeUndefined();
  });

  it.each([
    ['eu-wset-1', 'eu-wset-1 is not a region; did you mean eu-west-1?'],
    ['us-esat-1', 'us-esat-1 is not a region; did you mean us-east-1?'],
    ['EU-WEST-1', '"EU-WEST-1" is not a region; did you mean eu-west-1?'],
    ['eu-west-9', 'eu-west-9 is not a region; did you mean eu-west-1?'],
    ['mars', 'mars is not a region (expected one such as us-east-1 or eu-west-1)'],
    ['aws-global', 'aws-global is not a region (expected one such as us-east-1 or eu-west-1)'],
  ])('refuses %s with the nearest name when it looks like a typo', (name, message) => {
    expect(regionProblem(name)).toBe(message);
  });

  it('refuses a 10 KB name in a line of bounded length', () => {
    // Act
    const problem = regionProblem('e'.repeat(10_240)) ?? '';

    // Assess
    expect(problem).toContain('(10240 chars)');
    expect(problem.length).toBeLessThan(200);
  });
});

describe('Policy settings.targets.regions', () => {
  const policy = (regions: string[]) =>
    `version: 1\nsettings:\n  targets:\n    accounts: ['111111111111']\n    regions: [${regions.join(', ')}]\nrules:\n  - name: r\n    match: { resourceTypes: [replication-group] }\n    storageEncryption: { allowed: [sse-elasticache] }\n`;

  it('takes the regions of every partition', () => {
    expect(() => parsePolicy(policy(['eu-isoe-west-1', 'eusc-de-east-1']), 'policy.yaml')).not.toThrow();
  });

  it('refuses a typo, naming the field and the nearest region', () => {
    expect(() => parsePolicy(policy(['eu-wset-1']), 'policy.yaml')).toThrow(
      /settings\.targets\.regions\[0\].*eu-wset-1 is not a region; did you mean eu-west-1\?/,
    );
  });
});
