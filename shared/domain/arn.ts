/**
 * Where a resource lives, read from its ARN (`arn:<partition>:<service>:<region>:<account>:<resource>`):
 * the account and region policy rules and exemptions select on.
 */

/** The parts of an ARN; `resource` keeps its own colons (`replicationgroup:orders`). */
export interface ArnParts {
  partition: string;
  service: string;
  region: string;
  account: string;
  resource: string;
}

/**
 * Split an ARN into its parts, or undefined when it is not one (fewer than six parts).
 *
 * @example
 * parseArn('arn:aws:elasticache:eu-west-1:111111111111:replicationgroup:orders')?.account; // '111111111111'
 */
export function parseArn(arn: string): ArnParts | undefined {
  const [prefix, partition, service, region, account, ...rest] = arn.split(':');
  if (prefix !== 'arn' || partition === undefined || service === undefined || rest.length === 0)
    return undefined;
  if (region === undefined || account === undefined) return undefined;
  return { partition, service, region, account, resource: rest.join(':') };
}
