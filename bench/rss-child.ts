/** Child process of the peak-RSS benchmark: scan the sandbox at argv[2], evaluate with the policy at argv[3], report maxRSS. */
import { createFleetClients } from '../shared/aws/clients.js';
import { readFleet } from '../shared/aws/elasticache.js';
import { loadPolicyFile } from '../shared/aws/policy-file.js';
import { evaluate } from '../shared/domain/evaluate.js';

const endpoint = process.argv[2] ?? '';
const fleet = await readFleet(createFleetClients({ endpoint, region: 'us-east-1' }));
const policy = await loadPolicyFile(process.argv[3] ?? 'infra/policy.default.yaml');
const findings = evaluate(fleet, policy, new Date());
console.log(
  JSON.stringify({
    resources: fleet.length,
    findings: findings.length,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
