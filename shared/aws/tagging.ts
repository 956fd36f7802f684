import {
  paginateGetResources,
  type ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';

/**
 * Read the tags of every resource of the given tagging types in bulk (100 per page, every type
 * in one stream: `ResourceTypeFilters` takes up to 100 types), keyed by ARN. One call per 100
 * resources instead of one `ListTagsForResource` per resource.
 *
 * @example
 * const tags = await readTagsByArn(tagging, ['elasticache:replicationgroup', 'elasticache:serverlesscache']);
 */
export async function readTagsByArn(
  tagging: ResourceGroupsTaggingAPIClient,
  resourceTypes: readonly string[],
): Promise<Map<string, Record<string, string>>> {
  const byArn = new Map<string, Record<string, string>>();
  const pages = paginateGetResources(
    { client: tagging, pageSize: 100 },
    { ResourceTypeFilters: [...resourceTypes], ResourcesPerPage: 100 },
  );
  for await (const page of pages) {
    for (const mapping of page.ResourceTagMappingList ?? []) {
      if (mapping.ResourceARN === undefined) continue;
      const tags: Record<string, string> = {};
      for (const tag of mapping.Tags ?? []) {
        if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      }
      byArn.set(mapping.ResourceARN, tags);
    }
  }
  return byArn;
}
