/**
 * Where the CLI gets the fleet: the live APIs, or — offline, without credentials — the JSON
 * a team saved with `aws elasticache describe-replication-groups` /
 * `describe-serverless-caches` and `aws resourcegroupstaggingapi get-resources`.
 */
import { readFile } from 'node:fs/promises';
import type { ReplicationGroup, ServerlessCache } from '@aws-sdk/client-elasticache';
import * as z from 'zod';
import { type AwsClientOptions, createFleetClients } from '../aws/clients.js';
import { readFleet, toReplicationGroupResource, toServerlessCacheResource } from '../aws/elasticache.js';
import type { Resource } from '../domain/resource.js';
import { InputValidationError } from '../runtime/errors.js';
import { describeIssues } from '../runtime/handler.js';

export interface FleetSource extends AwsClientOptions {
  /** Offline: describe-* output files; when set, no AWS call is made. */
  input?: string[];
  /** Offline: a get-resources output file with the tags of those resources. */
  tags?: string;
}

const describeOutput = z
  .looseObject({
    ReplicationGroups: z
      .array(z.looseObject({ ReplicationGroupId: z.string(), ARN: z.string().optional() }))
      .optional(),
    ServerlessCaches: z
      .array(z.looseObject({ ServerlessCacheName: z.string(), ARN: z.string().optional() }))
      .optional(),
  })
  .refine((value) => value.ReplicationGroups !== undefined || value.ServerlessCaches !== undefined, {
    message:
      'expected the JSON of describe-replication-groups (ReplicationGroups) or describe-serverless-caches (ServerlessCaches)',
  });

const tagsOutput = z.looseObject({
  ResourceTagMappingList: z.array(
    z.looseObject({
      ResourceARN: z.string(),
      Tags: z.array(z.looseObject({ Key: z.string(), Value: z.string() })).default([]),
    }),
  ),
});

async function readJson<Schema extends z.ZodType>(file: string, schema: Schema): Promise<z.infer<Schema>> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new InputValidationError(`cannot read ${file}: ${reason}`);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new InputValidationError(`${file}: ${describeIssues(result.error)}`);
  return result.data;
}

/** The AWS CLI writes times as strings; the SDK shapes hold Dates. */
function withDate<T extends object>(item: T, field: string): T {
  const value = (item as Record<string, unknown>)[field];
  return typeof value === 'string' ? { ...item, [field]: new Date(value) } : item;
}

async function readOffline(source: FleetSource & { input: string[] }): Promise<Resource[]> {
  const tags = new Map<string, Record<string, string>>();
  if (source.tags !== undefined) {
    for (const mapping of (await readJson(source.tags, tagsOutput)).ResourceTagMappingList)
      tags.set(mapping.ResourceARN, Object.fromEntries(mapping.Tags.map((tag) => [tag.Key, tag.Value])));
  }
  const fleet: Resource[] = [];
  for (const file of source.input) {
    const output = await readJson(file, describeOutput);
    for (const group of output.ReplicationGroups ?? [])
      fleet.push(
        toReplicationGroupResource(
          withDate(group, 'ReplicationGroupCreateTime') as ReplicationGroup,
          tags.get(group.ARN ?? '') ?? {},
        ),
      );
    for (const cache of output.ServerlessCaches ?? [])
      fleet.push(
        toServerlessCacheResource(
          withDate(cache, 'CreateTime') as ServerlessCache,
          tags.get(cache.ARN ?? '') ?? {},
        ),
      );
  }
  return fleet;
}

/**
 * Read the fleet from the source; `onProgress` hears the resources described so far.
 *
 * @example
 * const fleet = await loadFleet({ input: ['groups.json'], tags: 'tags.json' });
 */
export function loadFleet(
  source: FleetSource,
  onProgress?: (described: number) => void,
): Promise<Resource[]> {
  if (source.input !== undefined && source.input.length > 0)
    return readOffline({ ...source, input: source.input });
  return readFleet(createFleetClients(source), onProgress);
}
