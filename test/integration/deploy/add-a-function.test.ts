import { createHash } from 'node:crypto';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageTemplate, type Resource, ROOT, roleStatements } from './packaging.js';

/**
 * The promise of the manifests, kept in a copy of the project: a throwaway Lambda (its handler,
 * its manifest and its job module, nothing else) is packaged with its function, its own role
 * holding exactly its manifest's actions, its log group and its alarms.
 */
const COPIED = [
  'bin',
  'cli',
  'functions',
  'infra',
  'shared',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'serverless.yml',
];
const NAME = 'fleet-census';
/** Serverless's logical ids for it (`fleet-census` → `FleetDashcensus…`). */
const ID = 'FleetDashcensus';
const HANDLER = `functions/${NAME}/handler.ts`;
const MANIFEST = `functions/${NAME}/function.ts`;
const JOB = 'shared/jobs/fleet-census.ts';
const ACTIONS = [
  'elasticache:DescribeReplicationGroups',
  'elasticache:DescribeServerlessCaches',
  'tag:GetResources',
];

const FILES: Record<string, string> = {
  [JOB]: `/** Fleet census: how many replication groups and serverless caches the account holds. */
import { createFleetClients, type FleetClients } from '../aws/clients.js';
import { readFleet } from '../aws/elasticache.js';
import { createFunctionBase } from './function-base.js';

/** Build once per container. */
export function createFleetCensusDeps(env: NodeJS.ProcessEnv = process.env) {
  const base = createFunctionBase('${NAME}', {}, env);
  return { ...base, clients: createFleetClients(base.aws) };
}

/** The number of resources of each type in the fleet. */
export async function countFleet(clients: FleetClients): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const resource of await readFleet(clients)) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  return counts;
}
`,
  [HANDLER]: `import * as z from 'zod';
import { countFleet, createFleetCensusDeps } from '../../shared/jobs/fleet-census.js';

const census = createFleetCensusDeps();

/** Count the fleet once a week. */
export const handler = census.handler(
  { eventSchema: z.looseObject({}), onFinalError: 'drop' },
  async () => {
    const counts = await countFleet(census.clients);
    census.logger.info('fleet census', counts);
    return counts;
  },
);
`,
  [MANIFEST]: `import type { FunctionManifest } from '../../infra/function-manifest.js';

export const manifest: FunctionManifest = {
  description: 'Counts the fleet once a week',
  triggers: [{ schedule: 'rate(7 days)' }],
  timeout: 60,
  memory: 256,
  environment: [],
  actions: ${JSON.stringify(ACTIONS).replaceAll('"', "'").replaceAll(',', ', ')},
  stateKeys: [],
  memberAccess: false,
  vpc: false,
  alarms: ['Errors', 'Throttles'],
};
`,
};

let copy: string;
let resources: Record<string, Resource>;

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

const resource = (id: string) => {
  const found = resources[id];
  if (found === undefined) throw new Error(`no ${id} in the template`);
  return found;
};

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'guardrails-copy-'));
  for (const name of COPIED) cpSync(join(ROOT, name), join(copy, name), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    writeFileSync(join(copy, path), text);
  }
  // The copy packages in its own folder (its own lock), kept like the project's packagings.
  const { template } = await packageTemplate({ stage: 'test', region: 'eu-west-1' }, copy);
  resources = template.Resources;
}, 300_000);

describe('Adding a function: a handler, a manifest and its job module', () => {
  it('changes no other file of the project', () => {
    // Act
    const before = digests(ROOT);
    const after = digests(copy);

    // Assess
    const changed = [...after].filter(([path, digest]) => before.get(path) !== digest).map(([path]) => path);
    expect(changed.sort()).toEqual(Object.keys(FILES).sort());
  });

  it('packages its function as its manifest describes it', () => {
    // Act
    const fn = resource(`${ID}LambdaFunction`);

    // Assess
    expect(fn.Properties).toMatchObject({
      Description: 'Counts the fleet once a week',
      Timeout: 60,
      MemorySize: 256,
      Handler: `functions/${NAME}/handler.handler`,
      Role: { 'Fn::GetAtt': [`${ID}IamRoleLambdaExecution`, 'Arn'] },
    });
    const schedules = Object.values(resources).filter(
      (rule) => rule.Type === 'AWS::Events::Rule' && rule.Properties.ScheduleExpression === 'rate(7 days)',
    );
    expect(schedules.map((rule) => rule.Properties.Targets)).toEqual([
      [expect.objectContaining({ Arn: { 'Fn::GetAtt': [`${ID}LambdaFunction`, 'Arn'] } })],
    ]);
  });

  it("gives it its own role with exactly its manifest's actions (plus logs and its failure queue)", () => {
    // Act
    const statements = roleStatements(resource(`${ID}IamRoleLambdaExecution`));
    const own = statements.filter(
      (statement) =>
        !JSON.stringify(statement.Resource).includes('FailedInvocations') &&
        ![statement.Action].flat().every((action) => action.startsWith('logs:')),
    );

    // Assess
    expect(own.flatMap((statement) => [statement.Action].flat()).sort()).toEqual([...ACTIONS].sort());
    expect(
      statements.filter((statement) => JSON.stringify(statement.Resource).includes('FailedInvocations')),
    ).toEqual([expect.objectContaining({ Action: ['sqs:SendMessage'] })]);
  });

  it('gives it its log group and its alarms', () => {
    // Act
    const logs = resource(`${ID}LogGroup`);

    // Assess
    expect(logs.Properties).toMatchObject({
      LogGroupName: `/aws/lambda/elasticache-guardrails-test-${NAME}`,
    });
    expect(resource(`${ID}ErrorsAlarm`).Properties.AlarmDescription).toBe(`${NAME} failed`);
    expect(resource(`${ID}ThrottlesAlarm`).Properties.AlarmDescription).toBe(`${NAME} was throttled`);
  });
});
