/**
 * Cache parameter groups: what a plan needs to know of a group's parameter group, and the
 * copy a `create-parameter-group` step makes (CreateCacheParameterGroup, then
 * ModifyCacheParameterGroup with the copied values), each change sent once and read back.
 */
import {
  CreateCacheParameterGroupCommand,
  DescribeCacheParameterGroupsCommand,
  type ElastiCacheClient,
  ModifyCacheParameterGroupCommand,
  paginateDescribeCacheParameters,
} from '@aws-sdk/client-elasticache';
import {
  copyName,
  isDefaultParameterGroup,
  parameterGroupNeedsOf,
} from '../domain/durability/parameter-groups.js';
import type { PlanStep } from '../domain/durability/readiness.js';
import type { ParameterGroupFacts, Resource } from '../domain/resource.js';
import { GuardrailsError } from '../runtime/errors.js';
import { AwsCallError, awsCall } from './errors.js';
import { PAGE_SIZE } from './kind-readers.js';
import { mutate } from './mutation.js';

/** ModifyCacheParameterGroup takes at most 20 values per request (SDK model). */
const VALUES_PER_REQUEST = 20;

/** A parameter group of the name a copy needs exists with other values: it is someone else's, never overwritten. */
export class ParameterGroupConflictError extends GuardrailsError {
  constructor(message: string) {
    super(message, { retryable: false });
    this.name = 'ParameterGroupConflict';
  }
}

/** The family of a parameter group, or undefined when there is none of that name. */
async function familyOf(client: ElastiCacheClient, name: string): Promise<string | undefined> {
  try {
    const answer = await client.send(
      new DescribeCacheParameterGroupsCommand({ CacheParameterGroupName: name }),
    );
    return answer.CacheParameterGroups?.[0]?.CacheParameterGroupFamily;
  } catch (error) {
    if (error instanceof Error && error.name === 'CacheParameterGroupNotFoundFault') return undefined;
    throw new AwsCallError('DescribeCacheParameterGroups', error);
  }
}

/** The values the owner set (`Source=user`), every page. */
async function userParameters(client: ElastiCacheClient, name: string): Promise<Record<string, string>> {
  const values: Record<string, string> = {};
  await awsCall('DescribeCacheParameters', async () => {
    for await (const page of paginateDescribeCacheParameters(
      { client, pageSize: PAGE_SIZE },
      { CacheParameterGroupName: name, Source: 'user', MaxRecords: PAGE_SIZE },
    )) {
      for (const parameter of page.Parameters ?? [])
        if (parameter.ParameterName !== undefined)
          values[parameter.ParameterName] = parameter.ParameterValue ?? '';
    }
  });
  return values;
}

/**
 * The facts of a group's parameter group for the steps that need one. A default group costs no
 * call (its name gives the family); a custom one costs DescribeCacheParameterGroups and
 * DescribeCacheParameters, and each copy it may need one more Describe (two when it exists).
 */
async function readFacts(
  client: ElastiCacheClient,
  name: string,
  needs: ReturnType<typeof parameterGroupNeedsOf>,
): Promise<ParameterGroupFacts> {
  if (isDefaultParameterGroup(name)) {
    const family = name.slice('default.'.length).replace(/\.cluster\.on$/, '');
    return { name, family, isDefault: true, userParameters: {}, copies: {} };
  }
  const family = await familyOf(client, name);
  if (family === undefined)
    throw new AwsCallError('DescribeCacheParameterGroups', new Error(`parameter group ${name} not found`));
  const copies: ParameterGroupFacts['copies'] = {};
  for (const need of needs) {
    const copy = copyName(name, need.family, need.clusterOn);
    const copyFamily = await familyOf(client, copy);
    if (copyFamily !== undefined)
      copies[copy] = { family: copyFamily, userParameters: await userParameters(client, copy) };
  }
  return { name, family, isDefault: false, userParameters: await userParameters(client, name), copies };
}

/**
 * Write the parameter group facts onto the groups whose plan changes family or cluster mode
 * (`resource.cacheParameterGroupName` must be read, with the engine version). Others cost
 * nothing. Returns, per ARN, the failure of each group left without facts: its plan then names
 * no parameter group.
 *
 * @example
 * const failures = await readParameterGroupsInto(client, [group], '9.0');
 */
export async function readParameterGroupsInto(
  client: ElastiCacheClient,
  resources: readonly Resource[],
  targetVersion: string,
): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  for (const resource of resources) {
    const name = resource.cacheParameterGroupName;
    const needs = parameterGroupNeedsOf(resource, targetVersion);
    if (name === undefined || needs.length === 0 || resource.parameterGroup !== undefined) continue;
    try {
      resource.parameterGroup = await readFacts(client, name, needs);
    } catch (error) {
      failures.set(resource.arn, error instanceof Error ? error : new Error(String(error)));
    }
  }
  return failures;
}

const sameValues = (a: Record<string, string>, b: Record<string, string>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/**
 * Carry out a `create-parameter-group` step: create the group, then set its values, 20 to a
 * request. A group of that name that already has exactly these values counts as done; one of
 * another family, or with values of its own, is someone else's ({@link ParameterGroupConflictError}).
 * A lost answer is settled by reading the group back, as for every change (mutation.ts).
 * Returns whether anything was sent.
 */
export async function createParameterGroupCopy(
  client: ElastiCacheClient,
  step: Pick<PlanStep, 'params' | 'parameters'>,
): Promise<'created' | 'existed'> {
  const name = String(step.params.CacheParameterGroupName);
  const family = String(step.params.CacheParameterGroupFamily);
  const wanted = step.parameters ?? {};
  const existing = await familyOf(client, name);
  if (existing === undefined) {
    const input = {
      CacheParameterGroupName: name,
      CacheParameterGroupFamily: family,
      Description: String(step.params.Description),
    };
    await mutate(
      'CreateCacheParameterGroup',
      () => client.send(new CreateCacheParameterGroupCommand(input)),
      async () => (await familyOf(client, name)) === family,
      { landedOnRefusal: ['CacheParameterGroupAlreadyExistsFault'] },
    );
  } else if (existing !== family) {
    throw new ParameterGroupConflictError(
      `parameter group ${name} exists in family ${existing}, not ${family}; rename or delete it`,
    );
  }
  const current = await userParameters(client, name);
  if (sameValues(current, wanted)) return existing === undefined ? 'created' : 'existed';
  if (Object.keys(current).length > 0)
    throw new ParameterGroupConflictError(
      `parameter group ${name} exists with values of its own (${Object.keys(current).join(', ')}); it is not a copy this upgrade made: rename or delete it`,
    );
  const entries = Object.entries(wanted);
  for (let start = 0; start < entries.length; start += VALUES_PER_REQUEST) {
    const chunk = entries.slice(start, start + VALUES_PER_REQUEST);
    await mutate(
      'ModifyCacheParameterGroup',
      () =>
        client.send(
          new ModifyCacheParameterGroupCommand({
            CacheParameterGroupName: name,
            ParameterNameValues: chunk.map(([ParameterName, ParameterValue]) => ({
              ParameterName,
              ParameterValue,
            })),
          }),
        ),
      async () => {
        const read = await userParameters(client, name);
        return chunk.every(([key, value]) => read[key] === value);
      },
    );
  }
  return 'created';
}
