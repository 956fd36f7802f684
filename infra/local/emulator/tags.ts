/**
 * Tags: ListTagsForResource, AddTagsToResource, RemoveTagsFromResource on any ARN the store
 * knows, and the Resource Groups Tagging API's GetResources over the same tags.
 */
import { list, required, tagsOf } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import type { EmulatorState, Handler, ResourceKind } from './state.js';

/** Tags per resource (TagQuotaPerResourceExceeded). */
const TAG_QUOTA = 50;

/**
 * The tag map of an ARN, and the member clusters' maps that follow it. A member cluster
 * (`cluster:` ARN) has its own tags, starting from its group's; tags set on the group are
 * replicated to every member.
 */
function tagTarget(
  store: EmulatorState,
  arn: string,
): { tags: Map<string, string>; members: Map<string, string>[] } {
  const [, , , , , kind, ...rest] = arn.split(':');
  const id = rest.join(':');
  if (kind === 'replicationgroup') {
    const group = store.group(id);
    const members = store
      .memberIds(group)
      .flat()
      .flatMap((member) => store.memberTags.get(member) ?? []);
    return { tags: group.tags, members };
  }
  if (kind === 'cluster') {
    const group = [...store.groups.values()].find((candidate) =>
      store.memberIds(candidate).flat().includes(id),
    );
    if (group === undefined) throw new QueryFault('CacheClusterNotFound', `CacheCluster ${id} not found.`);
    let tags = store.memberTags.get(id);
    if (tags === undefined) {
      tags = new Map(group.tags);
      store.memberTags.set(id, tags);
    }
    return { tags, members: [] };
  }
  const found =
    kind === 'serverlesscache'
      ? store.serverless.get(id)
      : kind === 'snapshot'
        ? store.snapshots.get(id)
        : undefined;
  if (found === undefined) {
    throw new QueryFault(
      kind === 'snapshot'
        ? 'SnapshotNotFoundFault'
        : kind === 'serverlesscache'
          ? 'ServerlessCacheNotFoundFault'
          : 'InvalidARN',
      `The resource ${arn} was not found.`,
    );
  }
  return { tags: found.tags, members: [] };
}

const tagList = (tags: Map<string, string>) => ({
  TagList: [...tags].map(([Key, Value]) => ({ Key, Value })),
});

function addTags(store: EmulatorState, params: Params) {
  const { tags, members } = tagTarget(store, required(params, 'ResourceName'));
  const added = tagsOf(params);
  // All or nothing: a request that would pass the quota adds none of its tags.
  const keys = new Set([...tags.keys(), ...added.map(([key]) => key)]);
  if (keys.size > TAG_QUOTA) {
    throw new QueryFault(
      'TagQuotaPerResourceExceeded',
      `A resource can have at most ${TAG_QUOTA} tags; this request would leave ${keys.size}.`,
    );
  }
  for (const target of [tags, ...members]) for (const [key, value] of added) target.set(key, value);
  return tagList(tags);
}

function removeTags(store: EmulatorState, params: Params) {
  const { tags, members } = tagTarget(store, required(params, 'ResourceName'));
  const keys = list(params, 'TagKeys').filter((key): key is string => typeof key === 'string');
  const unknown = keys.filter((key) => !tags.has(key));
  if (unknown.length > 0) {
    throw new QueryFault('TagNotFound', `The resource has no tag with key ${unknown.join(', ')}.`);
  }
  for (const target of [tags, ...members]) for (const key of keys) target.delete(key);
  return tagList(tags);
}

export const tagActions: Record<string, Handler> = {
  ListTagsForResource: (store, params) => tagList(tagTarget(store, required(params, 'ResourceName')).tags),
  AddTagsToResource: addTags,
  RemoveTagsFromResource: removeTags,
};

// --- Resource Groups Tagging API ---------------------------------------------------------

const TAGGING_TYPES: Record<string, ResourceKind> = {
  'elasticache:replicationgroup': 'groups',
  'elasticache:serverlesscache': 'serverless',
  'elasticache:snapshot': 'snapshots',
};
const ARN_KINDS = {
  groups: 'replicationgroup',
  serverless: 'serverlesscache',
  snapshots: 'snapshot',
} as const;

interface TagFilter {
  Key?: string;
  Values?: string[];
}

function matches(tags: Map<string, string>, filters: TagFilter[]): boolean {
  return filters.every((filter) => {
    const value = filter.Key === undefined ? undefined : tags.get(filter.Key);
    return (
      value !== undefined &&
      (filter.Values === undefined || filter.Values.length === 0 || filter.Values.includes(value))
    );
  });
}

/** GetResources over the store: ARNs with their tags, paged (ResourcesPerPage ≤ 100). */
export function getResources(store: EmulatorState, input: Record<string, unknown>) {
  const types = (input.ResourceTypeFilters as string[] | undefined) ?? Object.keys(TAGGING_TYPES);
  const filters = (input.TagFilters as TagFilter[] | undefined) ?? [];
  const perPage = Number(input.ResourcesPerPage ?? 100);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) {
    throw new QueryFault('InvalidParameterException', 'ResourcesPerPage must be between 1 and 100.');
  }
  // The token is where the walk stopped: the type's index and the position in its sorted ids.
  const [startType, startAt] = String(input.PaginationToken ?? '0:0')
    .split(':')
    .map((part) => Number(part) || 0);
  const rows: { arn: string; tags: Map<string, string> }[] = [];
  let next = '';
  for (let typeIndex = startType ?? 0; typeIndex < types.length && next === ''; typeIndex += 1) {
    const kind = TAGGING_TYPES[types[typeIndex] ?? ''];
    if (kind === undefined) continue;
    const ids = store.sortedIds(kind);
    for (let position = typeIndex === startType ? (startAt ?? 0) : 0; position < ids.length; position += 1) {
      if (rows.length === perPage) {
        next = `${typeIndex}:${position}`;
        break;
      }
      const item = store[kind].get(ids[position] ?? '');
      // Like the real API: only resources that carry tags are listed.
      if (item === undefined || item.tags.size === 0 || !matches(item.tags, filters)) continue;
      rows.push({ arn: store.arn(ARN_KINDS[kind], ids[position] ?? ''), tags: item.tags });
    }
  }
  return {
    ResourceTagMappingList: rows.map((row) => ({
      ResourceARN: row.arn,
      Tags: [...row.tags].map(([Key, Value]) => ({ Key, Value })),
    })),
    PaginationToken: next,
  };
}
