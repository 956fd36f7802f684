/**
 * The environment that points the CLI, the SDK or the AWS CLI at the sandbox, as
 * `npm run sandbox` and `npm start -- --keep` print it.
 */

export interface SandboxEndpoints {
  elasticache: string;
  dynamodb: string;
  region: string;
  stateTable: string;
}

/**
 * The variables that point the CLI, the SDK or the AWS CLI at the sandbox (dummy credentials).
 *
 * @example
 * Object.assign(process.env, sandboxVariables({ elasticache, dynamodb, region: 'us-east-1', stateTable }));
 */
export function sandboxVariables(sandbox: SandboxEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: sandbox.elasticache,
    AWS_ENDPOINT_URL_DYNAMODB: sandbox.dynamodb,
    AWS_REGION: sandbox.region,
    AWS_DEFAULT_REGION: sandbox.region,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    STATE_TABLE: sandbox.stateTable,
  };
}

/**
 * Shell lines exporting the sandbox's endpoints, region and dummy credentials, and a note on
 * which clients show the 2026-06-02 fields. `AWS_DEFAULT_REGION` is there for AWS CLI v1,
 * which does not read `AWS_REGION`.
 *
 * @example
 * console.log(sandboxEnvironment({ elasticache: 'http://127.0.0.1:4566', dynamodb, region: 'us-east-1', stateTable }));
 */
export function sandboxEnvironment(sandbox: SandboxEndpoints): string {
  const variables = sandboxVariables(sandbox);
  const exported = (names: string[]) => names.map((name) => `${name}=${variables[name]}`).join(' ');
  const endpoints = Object.keys(variables).filter((name) => name.startsWith('AWS_ENDPOINT_URL'));
  const rest = Object.keys(variables).filter((name) => !endpoints.includes(name));
  return `  export ${exported(endpoints)}
  export ${exported(rest)}

Only AWS CLI and SDK versions released after the 2026-06-02 ElastiCache model change show
Durability, EffectiveDurability and StorageEncryptionType; older ones leave them out.`;
}
