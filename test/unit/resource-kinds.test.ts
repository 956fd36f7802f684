/**
 * The resource kinds table (shared/domain/resource-kinds.ts, with its SDK side in
 * shared/aws/kind-readers.ts) drives its consumers: the fleet reader, the CLI's offline source,
 * the IAM roles and the EventBridge patterns take each kind's facts from its row, and none of
 * them spells a kind's fact itself.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ElastiCache from '@aws-sdk/client-elasticache';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadFleet } from '../../cli/fleet-source.js';
import { readFleet } from '../../shared/aws/elasticache.js';
import { EVENT_PATTERNS } from '../../shared/aws/event-patterns.js';
import { KIND_READERS } from '../../shared/aws/kind-readers.js';
import { parseResourceEvent } from '../../shared/domain/events.js';
import { RESOURCE_TYPES, type ResourceType } from '../../shared/domain/resource.js';
import {
  FLEET_TAG_READ,
  fleetReads,
  REACTIONS,
  RESOURCE_KINDS,
  reactionEvents,
} from '../../shared/domain/resource-kinds.js';
import { InputValidationError } from '../../shared/runtime/errors.js';

interface Statement {
  Action: string[];
  Resource: unknown[];
}
const require = createRequire(import.meta.url);
const { actionsOf, statementsFor } = require('../../infra/iam.cjs') as {
  actionsOf(name: string): string[];
  statementsFor(name: string): Statement[];
};

const ROOT = new URL('../../', import.meta.url);
const KINDS = RESOURCE_TYPES.map((type) => ({ type, ...RESOURCE_KINDS[type] }));

/** One saved describe item of each kind (the AWS CLI's JSON, the SDK's shape): its id field is the kind's own. */
const ITEMS: Record<ResourceType, (id: string) => Record<string, unknown>> = {
  'replication-group': (id) => ({ ReplicationGroupId: id, ARN: arnOf('replication-group', id) }),
  'serverless-cache': (id) => ({ ServerlessCacheName: id, ARN: arnOf('serverless-cache', id) }),
};

function arnOf(type: ResourceType, id: string): string {
  return `arn:aws:elasticache:eu-west-1:111122223333:${RESOURCE_KINDS[type].arnKind}:${id}`;
}

const elasticacheArns = (statement: Statement | undefined) =>
  (statement?.Resource ?? []).map((resource) => (resource as { 'Fn::Sub': string })['Fn::Sub']);

/** The source of `file` without its comments, where prose may name a kind. */
const codeOf = (file: string) =>
  readFileSync(new URL(file, ROOT), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');

describe('Table: RESOURCE_KINDS', () => {
  it('has one row for each resource type, in both tables, with facts no other kind shares', () => {
    // Assess
    expect(Object.keys(RESOURCE_KINDS)).toEqual([...RESOURCE_TYPES]);
    expect(Object.keys(KIND_READERS)).toEqual([...RESOURCE_TYPES]);
    for (const fact of ['describeCall', 'arnKind', 'taggingType', 'offlineKey', 'requestParameter'] as const)
      expect(new Set(KINDS.map((kind) => kind[fact])).size).toBe(KINDS.length);
  });
});

describe('Consumer: IAM roles (infra/iam.cjs)', () => {
  it.each(['target-scan', 'encryption-drift'])(
    "grants %s every kind's reads, each scoped to its ARN kind",
    (name) => {
      // Act
      const statements = statementsFor(name);

      // Assess
      expect(actionsOf(name)).toEqual(expect.arrayContaining(fleetReads()));
      for (const kind of KINDS) {
        for (const action of kind.iamReads) {
          const statement = statements.find((candidate) => candidate.Action.includes(action));
          expect(elasticacheArns(statement)).toEqual([
            `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:${kind.arnKind}:*`,
          ]);
        }
      }
      expect(actionsOf(name)).toContain(FLEET_TAG_READ);
    },
  );

  it('lets ListTagsForResource name every kind', () => {
    // Act
    const statement = statementsFor('durability-react').find((candidate) =>
      candidate.Action.includes('elasticache:ListTagsForResource'),
    );

    // Assess
    for (const kind of KINDS)
      expect(elasticacheArns(statement)).toContain(
        `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:${kind.arnKind}:*`,
      );
  });
});

describe('Consumer: EventBridge patterns (shared/aws/event-patterns.ts)', () => {
  it.each(REACTIONS)("listens, for %s, to exactly the kinds' calls, kind by kind", (reaction) => {
    // Assess
    expect(EVENT_PATTERNS[reaction].cloudTrail.detail.eventName).toEqual(
      KINDS.flatMap((kind) => kind.events[reaction]),
    );
    expect(reactionEvents(reaction).length).toBeGreaterThan(0);
  });

  it.each(
    KINDS.flatMap((kind) =>
      REACTIONS.flatMap((reaction) =>
        kind.events[reaction].map((name) => [kind.type, name, reaction] as const),
      ),
    ),
  )("reads a %s from its %s call (%s) by the kind's request parameter", (type, name, reaction) => {
    // Prepare
    const event = {
      source: 'aws.elasticache',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventName: name, requestParameters: { [RESOURCE_KINDS[type].requestParameter]: 'orders' } },
    };

    // Act
    const parsed = parseResourceEvent(event, EVENT_PATTERNS[reaction]);

    // Assess
    expect(parsed).toMatchObject({ resourceType: type, resourceId: 'orders' });
  });
});

describe('Consumer: the offline fleet source (cli/fleet-source.ts)', () => {
  it.each(RESOURCE_TYPES)("reads a %s from its kind's key of a saved describe output", async (type) => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'guardrails-kinds-'));
    const file = join(dir, 'describe.json');
    await writeFile(file, JSON.stringify({ [RESOURCE_KINDS[type].offlineKey]: [ITEMS[type]('orders')] }));

    // Act
    const fleet = await loadFleet({ input: [file] });

    // Assess
    expect(fleet).toMatchObject([{ type, id: 'orders', arn: arnOf(type, 'orders') }]);
  });

  it("names every kind's key when a file holds none", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'guardrails-kinds-'));
    const file = join(dir, 'other.json');
    await writeFile(file, JSON.stringify({ Other: [] }));

    // Act
    const error = await loadFleet({ input: [file] }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(InputValidationError);
    for (const kind of KINDS) expect((error as Error).message).toContain(`(${kind.offlineKey})`);
  });
});

describe('Consumer: the fleet reader (shared/aws/elasticache.ts readFleet)', () => {
  const elasticache = mockClient(ElastiCache.ElastiCacheClient);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  afterEach(() => {
    elasticache.reset();
    tagging.reset();
  });

  it('describes every kind with its call and tags it from its tagging type', async () => {
    // Prepare: each kind's describe call (the SDK's command of that name) answers one item under the kind's key.
    for (const kind of KINDS) {
      const command = (
        ElastiCache as unknown as Record<string, typeof ElastiCache.DescribeReplicationGroupsCommand>
      )[`${kind.describeCall}Command`];
      if (command === undefined) throw new Error(`the SDK has no ${kind.describeCall}Command`);
      elasticache.on(command).resolves({ [kind.offlineKey]: [ITEMS[kind.type](`${kind.type}-1`)] });
    }
    // One tag stream for every kind, asked by each kind's tagging type.
    tagging.on(GetResourcesCommand, { ResourceTypeFilters: KINDS.map((kind) => kind.taggingType) }).resolves({
      ResourceTagMappingList: KINDS.map((kind) => ({
        ResourceARN: arnOf(kind.type, `${kind.type}-1`),
        Tags: [{ Key: 'kind', Value: kind.type }],
      })),
    });

    // Act
    const fleet = await readFleet({
      elasticache: new ElastiCache.ElastiCacheClient({}),
      tagging: new ResourceGroupsTaggingAPIClient({}),
    });

    // Assess
    expect(fleet).toEqual(
      KINDS.map((kind) =>
        expect.objectContaining({ type: kind.type, id: `${kind.type}-1`, tags: { kind: kind.type } }),
      ),
    );
  });
});

describe("Consumers spell no kind's facts themselves", () => {
  const facts = (pick: (kind: (typeof KINDS)[number]) => readonly string[]) => KINDS.flatMap(pick);
  it.each([
    ['shared/aws/elasticache.ts', facts((kind) => [kind.taggingType, `'${kind.arnKind}'`])],
    ['cli/fleet-source.ts', facts((kind) => [kind.offlineKey])],
    [
      'infra/iam.cjs',
      facts((kind) => [
        `'${kind.arnKind}'`,
        ...kind.iamReads.map((action) => action.split(':')[1] ?? action),
      ]),
    ],
    [
      'shared/aws/event-patterns.ts',
      facts((kind) => [...kind.events.durabilityReact, ...kind.events.encryptionDrift]),
    ],
    [
      'shared/domain/events.ts',
      facts((kind) => [...kind.events.durabilityReact, ...kind.events.encryptionDrift]),
    ],
    [
      'shared/domain/security-findings.ts',
      facts((kind) => [`'${kind.securityHubType}'`].filter((fact) => fact !== "'Other'")),
    ],
    ['functions/encryption-drift/function.ts', facts((kind) => kind.iamReads)],
    ['shared/domain/checks/storage-encryption.ts', facts((kind) => kind.iamReads)],
    ['shared/domain/checks/automatic-backups.ts', facts((kind) => kind.iamReads)],
    ['functions/target-scan/function.ts', facts((kind) => kind.iamReads)],
  ])('%s', (file, spelled) => {
    // Act
    const code = codeOf(file);

    // Assess
    expect(spelled.length).toBeGreaterThan(0);
    expect(spelled.filter((fact) => code.includes(fact))).toEqual([]);
  });
});
