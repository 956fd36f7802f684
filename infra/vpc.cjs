/**
 * The functions that open TCP connections to Valkey / Redis OSS nodes (iovalkey: PING and
 * `INFO replication` to a migration's source and to the group's primary). With the deployment's
 * VPC parameters they, and only they, run in the cache's VPC: the other functions only call AWS
 * APIs, which need no VPC path. serverless-iam-roles-per-function gives a function with a `vpc`
 * the AWS managed policy AWSLambdaVPCAccessExecutionRole (the network interface actions Lambda
 * needs to attach it to the subnets).
 */
const NODE_READERS = ['migration-preflight', 'migration-control', 'migration-sync'];

const SUBNET = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP = /^sg-[0-9a-f]{8,17}$/;

const list = (value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/**
 * The `vpc` of a node-reading function for the comma-separated `subnetIds` and
 * `securityGroupIds` parameters; both empty: null, no VPC (serverless.yml falls back to null,
 * which keeps the function out of any VPC: osls accepts no `vpc` without both lists).
 */
function nodeVpc({ subnetIds = '', securityGroupIds = '' }) {
  const subnets = list(subnetIds);
  const groups = list(securityGroupIds);
  if (subnets.length === 0 && groups.length === 0) return null;
  if (subnets.length === 0 || groups.length === 0)
    throw new Error(
      'vpcSubnetIds and vpcSecurityGroupIds go together: give both (comma-separated) or neither',
    );
  const bad = [
    ...subnets.filter((id) => !SUBNET.test(id)),
    ...groups.filter((id) => !SECURITY_GROUP.test(id)),
  ];
  if (bad.length > 0)
    throw new Error(
      `vpcSubnetIds takes subnet-… ids and vpcSecurityGroupIds sg-… ids, got ${bad.join(', ')}`,
    );
  return { subnetIds: subnets, securityGroupIds: groups };
}

module.exports = { NODE_READERS, nodeVpc };
