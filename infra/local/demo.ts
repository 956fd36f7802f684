/**
 * `npm start`: evaluates a small example fleet against the default policy, in process,
 * and prints what an operator would see. The local sandbox replaces this fleet with the
 * ElastiCache emulator once it lands.
 */
import { renderReport } from '../../shared/cli/format.js';
import { DEFAULT_POLICY_PATH } from '../../shared/cli/main.js';
import { evaluate, summarize } from '../../shared/domain/evaluate.js';
import { loadPolicyFile } from '../../shared/domain/policy/load.js';
import type { Resource } from '../../shared/domain/resource.js';

const arn = (kind: string, id: string) => `arn:aws:elasticache:us-east-1:123456789012:${kind}:${id}`;
const base = {
  status: 'available',
  pendingModifications: false,
  engine: 'valkey',
  clusterMode: 'enabled',
} as const;

const fleet: Resource[] = [
  {
    ...base,
    type: 'replication-group',
    id: 'orders-prod',
    arn: arn('replicationgroup', 'orders-prod'),
    effectiveDurability: 'sync',
    storageEncryptionType: 'sse-kms',
    kmsKeyId: 'alias/cache',
    tags: { env: 'prod' },
  },
  {
    ...base,
    type: 'replication-group',
    id: 'cart-prod',
    arn: arn('replicationgroup', 'cart-prod'),
    effectiveDurability: 'disabled',
    storageEncryptionType: 'sse-elasticache',
    atRestEncryptionEnabled: false,
    tags: { env: 'prod' },
  },
  {
    ...base,
    type: 'replication-group',
    id: 'legacy-prod',
    arn: arn('replicationgroup', 'legacy-prod'),
    storageEncryptionType: 'none',
    tags: { env: 'prod' },
  },
  {
    ...base,
    type: 'replication-group',
    id: 'reports-dev',
    arn: arn('replicationgroup', 'reports-dev'),
    effectiveDurability: 'disabled',
    storageEncryptionType: 'sse-elasticache',
    tags: { env: 'dev' },
  },
  {
    ...base,
    type: 'serverless-cache',
    id: 'sessions',
    arn: arn('serverlesscache', 'sessions'),
    storageEncryptionType: 'sse-elasticache',
    tags: {},
  },
];

const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
const findings = evaluate(fleet, policy, new Date());
const summary = summarize(findings);

console.log(`elasticache-guardrails: ${fleet.length} example resources against ${DEFAULT_POLICY_PATH}\n`);
process.stdout.write(renderReport({ summary, findings }, 'table'));
console.log(
  `\n${summary.byStatus.violation} violation(s), ${summary.byStatus.unknown} unknown, ${summary.byStatus.compliant} compliant.`,
);
console.log('Scan a real account with: npx guardrails scan --region <region>');
