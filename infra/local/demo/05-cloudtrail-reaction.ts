/**
 * Chapter 5 of `npm start`: a team creates a prod group with durability off; the CloudTrail
 * event reaches the durability-react handler, loaded as the Lambda loads it (configured from
 * the environment).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { Finding } from '../../../shared/domain/finding.js';
import { durabilityText, showFinding } from './narration.js';
import { type Demo, ENFORCE } from './sandbox.js';

/**
 * Sets the rest of the handler's environment (its policy without the snapshot first; the
 * sandbox's endpoints are set already), then calls it with the event.
 */
export async function cloudTrailReaction(demo: Demo): Promise<void> {
  demo.say(
    'A team creates orders-new (Valkey, prod, durability off); the CloudTrail event reaches durability-react',
  );
  const { emulator } = demo;
  demo.line(`orders-new is created with Durability ${durabilityText(demo.group('orders-new').durability)}`);
  const policyDir = mkdtempSync(join(tmpdir(), 'guardrails-demo-'));
  writeFileSync(
    join(policyDir, 'policy.yaml'),
    ENFORCE.replace('snapshotBeforeChange: true', 'snapshotBeforeChange: false'),
  );
  Object.assign(process.env, {
    POLICY_FILE: join(policyDir, 'policy.yaml'),
    DRY_RUN: 'false',
    RECHECK_QUEUE_URL: `${emulator.endpoint}/123456789012/durability-recheck`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  emulator.model.putGroup(demo.group('orders-new'));
  // Imported only now: the handler reads its configuration from the environment when it loads.
  const { handler: react } = await import('../../../functions/durability-react/handler.js');
  const reaction = (await react(
    {
      version: '0',
      id: 'demo-event-1',
      source: 'aws.elasticache',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: {
        eventSource: 'elasticache.amazonaws.com',
        eventName: 'CreateReplicationGroup',
        requestParameters: { replicationGroupId: 'orders-new' },
      },
    },
    { awsRequestId: 'demo-1' } as Context,
  )) as { status: string; recheckInSeconds?: number; findings: Finding[] };
  for (const finding of reaction.findings) showFinding(demo, finding);
  demo.line(
    `group status ${reaction.status}; a re-check is queued in ${reaction.recheckInSeconds ?? '-'} s (SQS delay queue)`,
  );
  demo.reproduce(['scan', '--policy', demo.policyFile, '--resource', 'orders-new']);
}
