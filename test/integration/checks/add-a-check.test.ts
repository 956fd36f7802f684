import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATE_TABLE } from '../../../infra/local/dynamo.js';
import { groupState, REGION, type Stack, startStack } from '../harness.js';

/**
 * The promise of the check registry, kept in a copy of the project: a throwaway check (one new
 * module and its line in the registry, nothing else) shows in `guardrails scan`, in the findings
 * the deployed scan stores, in its violation events and in the IAM role generated for it.
 */
const { actionsOf } = createRequire(import.meta.url)('../../../infra/serverless.cjs') as {
  actionsOf(name: string): string[];
};
const ROOT = new URL('../../..', import.meta.url).pathname;
const COPIED = ['bin', 'cli', 'functions', 'infra', 'shared', 'package.json', 'tsconfig.json'];
const MODULE = 'shared/domain/checks/node-family.ts';
const REGISTRY = 'shared/domain/checks/registry.ts';
/** A read no other check declares, so its place in the generated role is this check's doing. */
const NEW_PERMISSION = 'elasticache:DescribeUpdateActions';

const CHECK_MODULE = `import * as z from 'zod';
import { strictObject } from '../strict-object.js';
import type { Check } from './types.js';

export const nodeFamilySchema = strictObject({ allowed: z.array(z.string().min(1)).min(1) });

/** Node family: a replication group's CacheNodeType family must be allowed. */
export const nodeFamilyCheck: Check<z.output<typeof nodeFamilySchema>> = {
  metadata: {
    title: 'ElastiCache replication groups should run an allowed node family',
    severity: 'low',
    remediation: {
      text: 'Change the node type (ModifyReplicationGroup --cache-node-type) to an allowed family.',
      url: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html',
    },
  },
  schema: nodeFamilySchema,
  permissions: ['elasticache:DescribeReplicationGroups', '${NEW_PERMISSION}'],
  evaluate(resource, config) {
    if (resource.type !== 'replication-group') return undefined;
    const family = resource.cacheNodeType?.split('.')[1] ?? 'unknown';
    const allowed = config.allowed.includes(family);
    return {
      status: allowed ? 'compliant' : 'violation',
      expected: config.allowed.join(' | '),
      observed: family,
      reason: allowed ? \`family \${family} is allowed\` : \`family \${family} is not allowed\`,
    };
  },
};
`;

const POLICY = `version: 1
rules:
  - name: graviton-only
    match: { tags: { env: prod } }
    nodeFamily: { allowed: [r7g, m7g] }
`;

/** Run in the copy: the deployed scan handler once, then print the role generated for it. */
const DEPLOYED_SCAN = `import { createRequire } from 'node:module';
const { handler } = await import(process.env.COPY + '/functions/target-scan/handler.ts');
await handler({}, {
  awsRequestId: 'throwaway-check',
  invokedFunctionArn: 'arn:aws:lambda:${REGION}:123456789012:function:target-scan',
});
const { statementsFor } = createRequire(import.meta.url)(process.env.COPY + '/infra/serverless.cjs');
process.stdout.write(JSON.stringify(statementsFor('target-scan')));
`;

let stack: Stack;
let copy: string;

/** Every file under the copied paths, by path, with a digest of its content. */
function digests(base: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else files.set(relative(base, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
  };
  for (const name of COPIED) walk(join(base, name));
  return files;
}

function addThrowawayCheck(project: string): void {
  writeFileSync(join(project, MODULE), CHECK_MODULE);
  const registry = readFileSync(join(project, REGISTRY), 'utf8')
    .replace("import type { Check, CheckHooks } from './types.js';", (line) =>
      ["import { nodeFamilyCheck } from './node-family.js';", line].join('\n'),
    )
    .replace('} as const;', '  nodeFamily: nodeFamilyCheck,\n} as const;');
  writeFileSync(join(project, REGISTRY), registry);
}

/** Run a process in the copy without blocking this one, which serves the sandbox it calls. */
function run(command: string, args: string[], env: Record<string, string>) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: copy,
        env: { ...process.env, ...env, AWS_EC2_METADATA_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ status: Number(error?.code ?? 0), stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  stack = await startStack();
  stack.emulator.model.putGroup(groupState('old-gen-1', { nodeType: 'cache.r5.large' }));
  stack.emulator.model.putGroup(groupState('graviton-1', { nodeType: 'cache.r7g.large' }));
  copy = mkdtempSync(join(tmpdir(), 'guardrails-copy-'));
  for (const name of COPIED) cpSync(join(ROOT, name), join(copy, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  addThrowawayCheck(copy);
  writeFileSync(join(copy, 'policy.yaml'), POLICY);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe('Adding a check: one module and one registry line', () => {
  it('changes no other file of the project', () => {
    // Act
    const before = digests(ROOT);
    const after = digests(copy);

    // Assess
    const changed = [...after].filter(([path, digest]) => before.get(path) !== digest).map(([path]) => path);
    expect(changed.sort()).toEqual([MODULE, REGISTRY]);
  });

  it('shows the new check in `guardrails scan`', async () => {
    // Act
    const scan = await run(
      join(ROOT, 'node_modules/.bin/tsx'),
      [
        'bin/guardrails.ts',
        'scan',
        '--endpoint-url',
        stack.emulator.endpoint,
        '--policy',
        'policy.yaml',
        '--format',
        'json',
      ],
      { AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'sandbox', AWS_SECRET_ACCESS_KEY: 'sandbox' },
    );

    // Assess
    const report = JSON.parse(scan.stdout) as {
      findings: { resourceId: string; check: string; status: string }[];
    };
    expect(
      report.findings.map(({ resourceId, check, status }) => `${resourceId} ${check} ${status}`).sort(),
    ).toEqual(['graviton-1 nodeFamily compliant', 'old-gen-1 nodeFamily violation']);
  }, 60_000);

  it('reaches the deployed scan: stored findings, a violation event and the generated IAM role', async () => {
    // Act
    const script = join(mkdtempSync(join(tmpdir(), 'guardrails-script-')), 'deployed-scan.mts');
    writeFileSync(script, DEPLOYED_SCAN);
    const deployed = await run(join(ROOT, 'node_modules/.bin/tsx'), [script], {
      ...stack.env,
      COPY: copy,
      POLICY_FILE: join(copy, 'policy.yaml'),
      DRY_RUN: 'true',
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:guardrails-alerts',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
    });

    // Assess
    expect(deployed.status, deployed.stderr).toBe(0);
    const events = stack.emulator.sinks.events
      .filter((event) => event.detailType === 'Guardrails Policy Violation')
      .map((event) => (event.detail as { finding: { resourceId: string; check: string } }).finding);
    expect(events.map(({ resourceId, check }) => `${resourceId} ${check}`)).toEqual(['old-gen-1 nodeFamily']);
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: stack.dynamo.endpoint, region: REGION }),
    );
    const stored = await documents.send(
      new QueryCommand({
        TableName: STATE_TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': `target#123456789012#${REGION}`,
          ':prefix': `finding#arn:aws:elasticache:${REGION}:123456789012:replicationgroup:old-gen-1#`,
        },
      }),
    );
    expect(stored.Items?.map((item) => [item.sk, item.status])).toEqual([
      [
        `finding#arn:aws:elasticache:${REGION}:123456789012:replicationgroup:old-gen-1#graviton-only#nodeFamily`,
        'violation',
      ],
    ]);
    const role = JSON.parse(deployed.stdout) as { Action: string[]; Resource: unknown[] }[];
    expect(role.filter((statement) => statement.Action.includes(NEW_PERMISSION))).toEqual([
      expect.objectContaining({ Effect: 'Allow', Resource: ['*'] }),
    ]);
    expect(actionsOf('target-scan')).not.toContain(NEW_PERMISSION);
  }, 60_000);
});
