/**
 * Where the CLI gets the fleet: the live APIs, or — offline, without credentials — the JSON
 * a team saved with `aws elasticache describe-replication-groups` /
 * `describe-serverless-caches` and `aws resourcegroupstaggingapi get-resources`.
 */
import * as z from 'zod';
import { type AwsClientOptions, createElastiCacheClient, createFleetClients } from '../shared/aws/clients.js';
import { readFleet } from '../shared/aws/elasticache.js';
import { readEngineVersionsInto } from '../shared/aws/engine-versions.js';
import { type KindItems, toResource } from '../shared/aws/kind-readers.js';
import { readParameterGroupsInto } from '../shared/aws/parameter-groups.js';
import { DEFAULT_PLAN_OPTIONS } from '../shared/domain/durability/readiness.js';
import { RESOURCE_TYPES, type Resource, type ResourceType } from '../shared/domain/resource.js';
import { RESOURCE_KINDS } from '../shared/domain/resource-kinds.js';
import { MAX_JSON_FILE_BYTES, readBoundedFile } from '../shared/runtime/bounded-read.js';
import { clip, echo, listProblems } from '../shared/runtime/echo.js';
import { InputValidationError } from '../shared/runtime/errors.js';
import { fieldProblems } from '../shared/runtime/zod-issues.js';
import type { CliIo } from './io.js';
import {
  type LackingFields,
  lackingFields,
  lackingFieldsOfResource,
  type ModelField,
} from './unknown-share.js';

export interface FleetSource extends AwsClientOptions {
  /** Offline: describe-* output files; when set, no AWS call is made. */
  input?: string[];
  /** Offline: a get-resources output file with the tags of those resources. */
  tags?: string;
}

/** Absent, or null (which the SDK shapes never hold): both read as absent. */
const optional = <Schema extends z.ZodType>(schema: Schema) =>
  schema.nullish().transform((value) => value ?? undefined);

/** The AWS CLI writes times as ISO strings; the SDK shapes hold Dates. */
const awsTime = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)), {
    error: (issue) => `expected a date-time such as 2024-05-01T12:00:00.000Z, got ${echo(issue.input)}`,
  })
  .transform((value) => new Date(value));

const endpoint = z.looseObject({ Address: optional(z.string()), Port: optional(z.number()) });

/** Every field of a replication group that `toReplicationGroupResource` reads, typed. */
const replicationGroup = z.looseObject({
  ReplicationGroupId: z.string(),
  ARN: optional(z.string()),
  Engine: optional(z.string()),
  Status: optional(z.string()),
  ReplicationGroupCreateTime: optional(awsTime),
  ClusterMode: optional(z.string()),
  ClusterEnabled: optional(z.boolean()),
  Durability: optional(z.string()),
  EffectiveDurability: optional(z.string()),
  StorageEncryptionType: optional(z.string()),
  KmsKeyId: optional(z.string()),
  AtRestEncryptionEnabled: optional(z.boolean()),
  TransitEncryptionEnabled: optional(z.boolean()),
  MultiAZ: optional(z.string()),
  CacheNodeType: optional(z.string()),
  DataTiering: optional(z.string()),
  NodeGroups: optional(
    z.array(
      z.looseObject({
        NodeGroupMembers: optional(
          z.array(
            z.looseObject({
              CacheClusterId: optional(z.string()),
              CacheNodeId: optional(z.string()),
              CurrentRole: optional(z.string()),
            }),
          ),
        ),
        PrimaryEndpoint: optional(endpoint),
      }),
    ),
  ),
  MemberClusters: optional(z.array(z.string())),
  ConfigurationEndpoint: optional(endpoint),
  GlobalReplicationGroupInfo: optional(z.looseObject({ GlobalReplicationGroupId: optional(z.string()) })),
  PendingModifiedValues: optional(z.looseObject({})),
});

/** Every field of a serverless cache that `toServerlessCacheResource` reads, typed. */
const serverlessCache = z.looseObject({
  ServerlessCacheName: z.string(),
  ARN: optional(z.string()),
  Engine: optional(z.string()),
  FullEngineVersion: optional(z.string()),
  MajorEngineVersion: optional(z.string()),
  Status: optional(z.string()),
  CreateTime: optional(awsTime),
  StorageEncryptionType: optional(z.string()),
  KmsKeyId: optional(z.string()),
});

/** Each kind's describe item, as far as its mapper reads it. */
const OFFLINE_ITEMS = {
  'replication-group': replicationGroup,
  'serverless-cache': serverlessCache,
} satisfies Record<ResourceType, z.ZodType>;

/** One describe item as parsed: its ARN, and the fields its kind's mapper reads. */
type OfflineItem = { ARN?: string | undefined } & Partial<Record<ModelField, unknown>>;

/** The AWS CLI's name of a describe call: `describe-replication-groups`. */
const cliCommandOf = (call: string) => call.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();

/** The JSON of any kind's describe call: its list under the kind's key. */
const describeOutput = z
  .looseObject(
    Object.fromEntries(
      RESOURCE_TYPES.map((type) => [RESOURCE_KINDS[type].offlineKey, optional(z.array(OFFLINE_ITEMS[type]))]),
    ) as Record<string, z.ZodType<OfflineItem[] | undefined>>,
  )
  .refine((value) => RESOURCE_TYPES.some((type) => value[RESOURCE_KINDS[type].offlineKey] !== undefined), {
    message: `expected the JSON of ${RESOURCE_TYPES.map((type) => {
      const { describeCall, offlineKey } = RESOURCE_KINDS[type];
      return `${cliCommandOf(describeCall)} (${offlineKey})`;
    }).join(' or ')}`,
  });

const tagsOutput = z.looseObject({
  ResourceTagMappingList: z.array(
    z.looseObject({
      ResourceARN: z.string(),
      Tags: z.array(z.looseObject({ Key: z.string(), Value: z.string() })).default([]),
    }),
  ),
});

/** Parse a saved file at the edge: every problem is named `file: field.path: message`. */
async function readJson<Schema extends z.ZodType>(file: string, schema: Schema): Promise<z.output<Schema>> {
  let raw: unknown;
  try {
    raw = JSON.parse((await readBoundedFile(file, MAX_JSON_FILE_BYTES)).toString('utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputValidationError(`cannot read ${file}: ${reason}`, { cause: error });
  }
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new InputValidationError(
      listProblems(fieldProblems(result.error, raw).map((problem) => `${file}: ${problem}`)),
    );
  return result.data;
}

/** The fleet, and which 2026-06-02 answer fields each of its resources lacks. */
export interface DescribedFleet {
  resources: Resource[];
  lacking: LackingFields;
}

async function readOffline(source: FleetSource & { input: string[] }): Promise<DescribedFleet> {
  const tags = new Map<string, Record<string, string>>();
  if (source.tags !== undefined) {
    for (const mapping of (await readJson(source.tags, tagsOutput)).ResourceTagMappingList)
      tags.set(mapping.ResourceARN, Object.fromEntries(mapping.Tags.map((tag) => [tag.Key, tag.Value])));
  }
  const fleet: Resource[] = [];
  // From the saved JSON itself: an AWS CLI older than the model change drops these fields.
  const lacking: LackingFields = new Map();
  for (const file of source.input) {
    const output = await readJson(file, describeOutput);
    for (const type of RESOURCE_TYPES) {
      for (const item of output[RESOURCE_KINDS[type].offlineKey] ?? []) {
        // Parsed to the fields the kind's mapper reads, in the SDK's shape (times as Dates).
        const resource = toResource(type, item as KindItems[typeof type], tags.get(item.ARN ?? '') ?? {});
        fleet.push(resource);
        lacking.set(resource, lackingFields(resource.type, item));
      }
    }
  }
  return { resources: fleet, lacking };
}

/**
 * Read the fleet from the source, with the 2026-06-02 answer fields each resource lacks:
 * offline from the saved JSON, online from the answers read.
 *
 * @example
 * const { resources, lacking } = await describeFleet({ input: ['groups.json'] });
 */
export async function describeFleet(
  source: FleetSource,
  onProgress?: (described: number) => void,
): Promise<DescribedFleet> {
  if (source.input !== undefined && source.input.length > 0)
    return readOffline({ ...source, input: source.input });
  const resources = await readFleet(createFleetClients(source), onProgress);
  return {
    resources,
    lacking: new Map(resources.map((resource) => [resource, lackingFieldsOfResource(resource)])),
  };
}

/**
 * Read the fleet from the source; `onProgress` hears the resources described so far.
 *
 * @example
 * const fleet = await loadFleet({ input: ['groups.json'], tags: 'tags.json' });
 */
export async function loadFleet(
  source: FleetSource,
  onProgress?: (described: number) => void,
): Promise<Resource[]> {
  return (await describeFleet(source, onProgress)).resources;
}

/**
 * Versions of the replication groups (DescribeReplicationGroups has none), written onto the
 * resources themselves (the unknown-share report knows them by identity), read with `options`
 * (undefined: offline input, which has none; plans then say the version is not known). `where`
 * names the target in the warning of a run over targets.
 */
export async function withEngineVersions(
  options: AwsClientOptions | undefined,
  fleet: Resource[],
  io: CliIo,
  where?: string,
): Promise<Resource[]> {
  const groups = fleet.filter((resource) => resource.type === 'replication-group');
  if (options === undefined) return fleet;
  const unread = await readEngineVersionsInto(createElastiCacheClient(options), groups);
  // The findings stand without them; only the plans of the groups left unread say so.
  const [error] = unread.values();
  const of = where === undefined ? '' : ` of ${where}`;
  if (error !== undefined)
    io.stderr(
      `guardrails: engine versions${of} not read (${clip(error.message, 200)}); their plans say so\n`,
    );
  return fleet;
}

/**
 * The parameter groups of the replication groups whose plan changes family or cluster mode
 * (after {@link withEngineVersions}, which reads their names): what the plans name in their
 * engine and cluster-mode steps. A group left unread is planned without (its note says so).
 */
export async function withParameterGroups(
  options: AwsClientOptions | undefined,
  fleet: Resource[],
  io: CliIo,
  where?: string,
): Promise<Resource[]> {
  if (options === undefined) return fleet;
  const groups = fleet.filter((resource) => resource.type === 'replication-group');
  const unread = await readParameterGroupsInto(
    createElastiCacheClient(options),
    groups,
    DEFAULT_PLAN_OPTIONS.engineVersion,
  );
  const [error] = unread.values();
  const of = where === undefined ? '' : ` of ${where}`;
  if (error !== undefined)
    io.stderr(
      `guardrails: parameter groups${of} not read for ${unread.size} group(s) (${clip(error.message, 200)})\n`,
    );
  return fleet;
}
