/**
 * What the deploy policy (docs/deploy-policy.json) must allow: for every resource type of a
 * template, the permissions its CloudFormation resource handlers declare
 * (test/fixtures/cfn-handler-permissions.json), less those of features the template does not
 * use; and the calls osls itself makes to deploy, roll back and remove the stack.
 */
import { readFileSync } from 'node:fs';
import { ROOT, type Template } from './packaging.js';

interface HandlerPermissions {
  types: Record<string, Record<'create' | 'update' | 'delete', string[]>>;
  unusedFeatures: Record<string, Record<string, string[]>>;
}

export interface PolicyDocument {
  Statement: { Effect: string; Action: string | string[]; Resource: string | string[] }[];
}

export const HANDLERS = JSON.parse(
  readFileSync(`${ROOT}/test/fixtures/cfn-handler-permissions.json`, 'utf8'),
) as HandlerPermissions;

export const readPolicy = (file: string) =>
  JSON.parse(readFileSync(`${ROOT}/${file}`, 'utf8')) as PolicyDocument;

/** The S3 actions behind the osls S3 calls whose name is not their action's. */
const S3_ACTION_OF: Record<string, string> = {
  HeadBucket: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  HeadObject: 's3:GetObject',
  DeleteObjects: 's3:DeleteObject',
};
const SERVICE_OF_CLIENT: Record<string, string> = {
  'client-cloudformation': 'cloudformation',
  'client-s3': 's3',
  'client-lambda': 'lambda',
  'client-cloudwatch-logs': 'logs',
  'client-ecr': 'ecr',
  'client-api-gateway': 'apigateway',
  'client-apigatewayv2': 'apigateway',
};
/**
 * The osls files on the path of `deploy`, `rollback`, `remove` and `info` that call AWS, and
 * the calls in them this app never reaches, with why.
 */
export const OSLS_FILES = [
  'deploy/lib/check-for-changes.js',
  'deploy/lib/cleanup-s3-bucket.js',
  'deploy/lib/create-stack.js',
  'deploy/lib/ensure-valid-bucket-exists.js',
  'deploy/lib/validate-template.js',
  'lib/check-if-bucket-exists.js',
  'lib/check-if-ecr-repository-exists.js',
  'lib/monitor-stack.js',
  'lib/update-stack.js',
  'lib/wait-for-change-set-creation.js',
  'remove/lib/bucket.js',
  'remove/lib/ecr.js',
  'remove/lib/stack.js',
  'rollback.js',
  'info/get-api-key-values.js',
  'info/get-resource-count.js',
  'info/get-stack-info.js',
  'deletion-protection.js',
];
export const OSLS_UNREACHED: Record<string, string> = {
  'ecr:DescribeRepositories': 'no container images (provider.ecr); osls goes on when it is denied',
  'ecr:DeleteRepository': 'no container images (provider.ecr)',
  'apigateway:GetApiKey': 'no API Gateway events',
  'apigateway:GetApi': 'no HTTP API events',
  'logs:DescribeSubscriptionFilters': 'no cloudwatchLog events',
  'logs:DeleteSubscriptionFilter': 'no cloudwatchLog events',
  'cloudformation:SetStackPolicy': 'no provider.stackPolicy',
  'cloudformation:UpdateTerminationProtection': 'no provider.deletionProtection',
};

/** Actions osls needs that no `XCommand` names, with where they come from. */
export const OSLS_IMPLIED: Record<string, string> = {
  's3:PutObject': 'lib/upload-s3-object.js: @aws-sdk/lib-storage Upload of the artifacts and the template',
  's3:DeleteObjectVersion': 'remove/lib/bucket.js: DeleteObjects with the VersionId of each listed version',
};

/**
 * The IAM actions of the AWS calls an osls source file makes: each `new XCommand(` and
 * `paginateX(` whose name it takes from an `@aws-sdk/client-*` require.
 */
export function oslsActions(source: string): string[] {
  const serviceOf = new Map<string, string>();
  for (const [, names, client] of source.matchAll(
    /const\s*\{([^}]*)\}\s*=\s*require\('@aws-sdk\/(client-[a-z0-9-]+)'\)/g,
  )) {
    const service = SERVICE_OF_CLIENT[client as string];
    if (service === undefined) throw new Error(`osls calls ${client}: name its IAM service`);
    for (const name of (names as string).split(',')) serviceOf.set(name.trim(), service);
  }
  return [...source.matchAll(/(?:new ([A-Z][A-Za-z0-9]+)Command|paginate([A-Z][A-Za-z0-9]+))\(/g)].map(
    ([, command, paginated]) => {
      const name = command === undefined ? `paginate${paginated}` : `${command}Command`;
      const service = serviceOf.get(name);
      if (service === undefined) throw new Error(`${name}: not required from an SDK client`);
      return actionOf(service, (command ?? paginated) as string);
    },
  );
}

const actionOf = (service: string, command: string) =>
  service === 's3' && S3_ACTION_OF[command] !== undefined
    ? (S3_ACTION_OF[command] as string)
    : `${service}:${command}`;

/**
 * The handler permissions `template` needs: for each resource type, create, update and delete,
 * less the actions of a feature (property) no resource of that type sets.
 */
export function handlerActions(template: Template): Map<string, Set<string>> {
  const byType = new Map<string, Set<string>>();
  const resources = Object.values(template.Resources);
  for (const type of new Set(resources.map((resource) => resource.Type))) {
    const handlers = HANDLERS.types[type];
    if (handlers === undefined) throw new Error(`${type}: no handler permissions in the fixture`);
    const ofType = resources.filter((resource) => resource.Type === type);
    const unused = Object.entries(HANDLERS.unusedFeatures[type] ?? {})
      .filter(([property]) => ofType.every((resource) => resource.Properties?.[property] === undefined))
      .flatMap(([, actions]) => actions);
    const used = Object.entries(HANDLERS.unusedFeatures[type] ?? {})
      .filter(([property]) => ofType.some((resource) => resource.Properties?.[property] !== undefined))
      .flatMap(([, actions]) => actions);
    const all = [...handlers.create, ...handlers.update, ...handlers.delete];
    byType.set(type, new Set(all.filter((action) => !unused.includes(action) || used.includes(action))));
  }
  return byType;
}

/** Whether an Allow statement of `policy` names `action` (IAM's `*` and `?` in action names). */
export function allows(policy: PolicyDocument, action: string): boolean {
  return policy.Statement.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      [statement.Action].flat().some((pattern) => {
        const regex = pattern
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.');
        return new RegExp(`^${regex}$`, 'i').test(action);
      }),
  );
}

/** The actions a policy names, each once. */
export const policyActions = (policy: PolicyDocument) =>
  new Set(policy.Statement.flatMap((statement) => [statement.Action].flat()));
