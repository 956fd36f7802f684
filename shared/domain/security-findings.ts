/**
 * Findings in the two formats security tools import: the AWS Security Finding Format (ASFF,
 * what Security Hub's BatchImportFindings takes) and the OCSF Compliance Finding (class 2003).
 * Pure: the caller says which account and region the product runs in and what time it is.
 */
import { CHECKS, severityOf } from './checks/registry.js';
import type { CheckMetadata } from './checks/types.js';
import type { Finding, FindingStatus } from './finding.js';
import { RESOURCE_KINDS } from './resource-kinds.js';
import { ASFF_SEVERITY } from './severity.js';

const ASFF_SCHEMA_VERSION = '2018-10-08';
const PRODUCT_NAME = 'elasticache-guardrails';
/** ASFF limits (AwsSecurityFinding in the Security Hub API reference). */
const TITLE_MAX = 256;
const DESCRIPTION_MAX = 1024;
const RECOMMENDATION_MAX = 512;
const TYPES = ['Software and Configuration Checks/AWS Security Best Practices'] as const;

export type ComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';
export type SeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/**
 * Security Hub's view of each finding status: `unknown` and `error` are NOT_AVAILABLE; `degraded`
 * (meets the rule, yet writes are rejected or throttled) is ASFF's WARNING.
 */
export const COMPLIANCE_OF: Record<FindingStatus, ComplianceStatus> = {
  compliant: 'PASSED',
  exempt: 'PASSED',
  degraded: 'WARNING',
  violation: 'FAILED',
  unknown: 'NOT_AVAILABLE',
  error: 'NOT_AVAILABLE',
};

export interface ImportContext {
  /** The account and region Security Hub receives the findings in (the product's). */
  account: string;
  region: string;
  now: Date;
  /** When the finding was first seen; `now` when it is new. */
  firstSeen?: Date;
  /** ARCHIVED for a resource that no longer exists. */
  recordState?: 'ACTIVE' | 'ARCHIVED';
  /**
   * Why this run could not read the finding's state (an error finding's reason): the finding
   * given is the last known state, sent marked stale (`ProductFields.stale`).
   */
  stale?: string;
}

/** Security Hub's resource type of the finding's resource: its kind's, none for a target (an account x region). */
const securityHubTypeOf = (finding: Finding): string =>
  finding.resourceType === 'target' ? 'Other' : RESOURCE_KINDS[finding.resourceType].securityHubType;

/** Where a resource lives, read from its ARN (`arn:aws:elasticache:<region>:<account>:…`). */
export function arnLocation(arn: string): { partition: string; region: string; account: string } {
  const [, partition = 'aws', , region = '', account = ''] = arn.split(':');
  return { partition, region, account };
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A stable id per resource and rule and check: a later run updates the same finding. */
export function findingId(finding: Pick<Finding, 'arn' | 'rule' | 'check'>): string {
  return `${finding.arn}/${finding.rule}/${finding.check}`;
}

/** The check's metadata; none for the one finding of a target that could not be scanned. */
const metadataOf = (finding: Finding): CheckMetadata | undefined =>
  finding.check === 'target' ? undefined : CHECKS[finding.check].metadata;

/** A failed finding's severity label (its rule's or check's); passed and unavailable ones are informational. */
function severityLabelOf(finding: Finding): SeverityLabel {
  const compliance = COMPLIANCE_OF[finding.status];
  if (compliance === 'FAILED') return ASFF_SEVERITY[severityOf(finding)];
  // Writes rejected or throttled on a compliant group: worth a look, below a violation.
  return compliance === 'WARNING' ? 'MEDIUM' : 'INFORMATIONAL';
}

/** The check's title and the resource, as Security Hub lists a control's findings. */
function titleOf(finding: Finding): string {
  const title = metadataOf(finding)?.title;
  const text =
    title === undefined ? `${finding.check} of ${finding.resourceId}` : `${title}: ${finding.resourceId}`;
  return clipText(text, TITLE_MAX);
}

function descriptionOf(finding: Finding): string {
  const action = finding.action === null ? '' : ` Action: ${finding.action}.`;
  return clipText(
    `${finding.reason}. Observed ${finding.observed}, expected ${finding.expected} (rule ${finding.rule}).${action}`,
    DESCRIPTION_MAX,
  );
}

/**
 * One finding as an ASFF AwsSecurityFinding, as its provider sends it: the result in
 * `Compliance.Status`, severity and types in `FindingProviderFields` too (what Security Hub
 * takes from a provider on an update), `RecordState` ARCHIVED once the resource is gone, and no
 * `Workflow` (the customer's to set).
 *
 * @example
 * await securityHub.send(new BatchImportFindingsCommand({ Findings: findings.map((f) => toAsff(f, context)) }));
 */
export function toAsff(finding: Finding, context: ImportContext) {
  const where = arnLocation(finding.arn);
  const compliance = COMPLIANCE_OF[finding.status];
  const severity = severityLabelOf(finding);
  const remediation = metadataOf(finding)?.remediation;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: findingId(finding),
    ProductArn: `arn:${where.partition}:securityhub:${context.region}:${context.account}:product/${context.account}/default`,
    ProductName: PRODUCT_NAME,
    GeneratorId: `${PRODUCT_NAME}/${finding.check}`,
    AwsAccountId: where.account,
    Region: where.region,
    Types: [...TYPES],
    CreatedAt: (context.firstSeen ?? context.now).toISOString(),
    UpdatedAt: context.now.toISOString(),
    Severity: { Label: severity },
    // Security Hub takes a provider's later Severity and Types from here, not the top-level fields.
    FindingProviderFields: { Severity: { Label: severity }, Types: [...TYPES] },
    Title: titleOf(finding),
    Description: descriptionOf(finding),
    Resources: [
      {
        Type: securityHubTypeOf(finding),
        Id: finding.arn,
        Partition: where.partition,
        Region: where.region,
      },
    ],
    // A fixed violation is told by Compliance PASSED; Workflow (like Note, UserDefinedFields and
    // VerificationState) is the customer's: Security Hub ignores it on a finding that exists.
    Compliance: { Status: compliance },
    ...(remediation === undefined
      ? {}
      : {
          Remediation: {
            Recommendation: { Text: clipText(remediation.text, RECOMMENDATION_MAX), Url: remediation.url },
          },
        }),
    RecordState: context.recordState ?? 'ACTIVE',
    ProductFields: {
      rule: finding.rule,
      check: finding.check,
      status: finding.status,
      ...(context.stale === undefined ? {} : { stale: 'true', staleReason: clipText(context.stale, 1024) }),
    },
  };
}

/** OCSF compliance status ids: 1 Pass, 2 Warning, 3 Fail, 0 Unknown. */
const OCSF_COMPLIANCE: Record<ComplianceStatus, { id: number; name: string }> = {
  PASSED: { id: 1, name: 'Pass' },
  WARNING: { id: 2, name: 'Warning' },
  FAILED: { id: 3, name: 'Fail' },
  NOT_AVAILABLE: { id: 0, name: 'Unknown' },
};
const OCSF_SEVERITY: Record<SeverityLabel, number> = {
  INFORMATIONAL: 1,
  LOW: 2,
  MEDIUM: 3,
  HIGH: 4,
  CRITICAL: 5,
};

/** One finding as an OCSF 1.1 Compliance Finding (class_uid 2003, activity Create). */
export function toOcsf(finding: Finding, context: ImportContext & { version: string }) {
  const where = arnLocation(finding.arn);
  const compliance = OCSF_COMPLIANCE[COMPLIANCE_OF[finding.status]];
  const severity = severityLabelOf(finding);
  const remediation = metadataOf(finding)?.remediation;
  const time = context.now.getTime();
  return {
    category_uid: 2,
    class_uid: 2003,
    activity_id: 1,
    type_uid: 200301,
    time,
    severity_id: OCSF_SEVERITY[severity],
    status_id: compliance.id === 3 ? 1 : 4,
    metadata: {
      version: '1.1.0',
      product: { name: PRODUCT_NAME, vendor_name: PRODUCT_NAME, version: context.version },
    },
    finding_info: {
      uid: findingId(finding),
      title: titleOf(finding),
      desc: descriptionOf(finding),
      created_time: (context.firstSeen ?? context.now).getTime(),
    },
    compliance: { control: finding.check, status_id: compliance.id, status: compliance.name },
    cloud: { provider: 'AWS', region: where.region, account: { uid: where.account } },
    resources: [
      {
        uid: finding.arn,
        name: finding.resourceId,
        type: securityHubTypeOf(finding),
        region: where.region,
      },
    ],
    ...(remediation === undefined
      ? {}
      : { remediation: { desc: remediation.text, references: [remediation.url] } }),
    unmapped: { rule: finding.rule, observed: finding.observed, expected: finding.expected },
  };
}
