import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { vi } from 'vitest';
import { runCli } from '../../../cli/main.js';
import type { Finding } from '../../../shared/domain/finding.js';
import { captureIo } from '../../cli-io.js';

/**
 * A plain single-account scan (no target flag) of `account` in `region`, signed with that
 * account's own credentials, assumed here from the sandbox's base credentials: what a run over
 * targets must give for that target.
 */
export async function memberScan(
  account: string,
  region: string,
  policyPath: string,
  externalId?: string,
): Promise<Finding[]> {
  const sts = new STSClient({ region, credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' } });
  const { Credentials: issued } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/elasticache-guardrails-member`,
      RoleSessionName: 'single-scan',
      ...(externalId === undefined ? {} : { ExternalId: externalId }),
    }),
  );
  vi.stubEnv('AWS_ACCESS_KEY_ID', issued?.AccessKeyId ?? '');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', issued?.SecretAccessKey ?? '');
  vi.stubEnv('AWS_SESSION_TOKEN', issued?.SessionToken ?? '');
  try {
    const io = captureIo();
    await runCli(['scan', '--policy', policyPath, '--region', region, '--format', 'json'], io);
    return (JSON.parse(io.out()) as { findings: Finding[] }).findings;
  } finally {
    vi.unstubAllEnvs();
  }
}
