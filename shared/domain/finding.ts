import type { CheckKey } from './checks/registry.js';
import type { FindingStatus } from './finding-status.js';
import type { ResourceType } from './resource.js';
import type { Severity } from './severity.js';

/** The statuses live apart so that the checks' contract (checks/types.ts) names them without the registry's keys. */
export { FINDING_STATUSES, type FindingStatus } from './finding-status.js';

/** One record shape for every rule and every output: CLI, Lambda result, alert, state store. */
export interface Finding {
  /** `target` for the one finding of an account × region that could not be scanned. */
  resourceType: ResourceType | 'target';
  resourceId: string;
  arn: string;
  rule: string;
  /** The check's one name: its key in the policy and in the registry. */
  check: CheckKey | 'target';
  status: FindingStatus;
  expected: string;
  observed: string;
  reason: string;
  /** What was done or must be done about it (`modify-requested`, `needs-rebuild`, …); null when nothing. */
  action: string | null;
  /** Informational remarks that do not change the status. */
  notes?: string[];
  /** The rule's severity, when the rule overrides its checks' (read it with `severityOf`). */
  severity?: Severity;
}
