import * as z from 'zod';
import { clip, echo } from '../../runtime/echo.js';
import { checkShape } from '../checks/registry.js';
import { compileArnGlob, compileGlob, GlobError } from '../glob.js';
import { CLUSTER_MODES, RESOURCE_TYPES } from '../resource.js';
import { SEVERITIES } from '../severity.js';
import { DEFAULT_RETENTION_DAYS, SNAPSHOT_RETENTION_DAYS } from '../snapshot-retention.js';
import { strictObject } from '../strict-object.js';
import { accountIdSchema, ouIdSchema, regionSchema, targetsSchema } from '../targets.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar date `YYYY-MM-DD` that exists. */
export const isoDate = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .refine(
    (value) =>
      ISO_DATE.test(value) &&
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
      new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    {
      error: (issue) => `expected a date YYYY-MM-DD, got ${echo(issue.input)}`,
    },
  );

export const RULE_MODES = ['report', 'enforce'] as const;

/** A glob (see `compileGlob`, `compileArnGlob`), refused at load when it is not one. */
const globOf = (compile: (pattern: string) => unknown) =>
  z
    .string()
    .min(1)
    .superRefine((pattern, context) => {
      try {
        compile(pattern);
      } catch (error) {
        if (!(error instanceof GlobError)) throw error;
        context.addIssue({ code: 'custom', message: error.message });
      }
    });
const globPattern = globOf(compileGlob);

/** Whether an exemption's `resource` is an ARN (glob); else it is a bare id (glob). */
export const isArnPattern = (resource: string) => resource.startsWith('arn:');

const matchSchema = strictObject({
  /** The account in the resource's ARN. */
  accounts: z.array(accountIdSchema).min(1).optional(),
  /** An OU (or root) above the resource's account; known only in organisation scans. */
  ous: z.array(ouIdSchema).min(1).optional(),
  /** The region in the resource's ARN. */
  regions: z.array(regionSchema).min(1).optional(),
  resourceTypes: z.array(z.enum(RESOURCE_TYPES)).min(1).optional(),
  engines: z.array(z.string().min(1)).min(1).optional(),
  /** Tag equals; the value "*" means the tag must exist. */
  tags: z.record(z.string().min(1), z.string()).optional(),
  /** Globs (`*`, `?`, `[a-z]`, `[!a-z]`) on ReplicationGroupId / ServerlessCacheName. */
  ids: z.array(globPattern).min(1).optional(),
  clusterMode: z.array(z.enum(CLUSTER_MODES)).min(1).optional(),
});

const ruleSchema = strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"'),
  mode: z.enum(RULE_MODES).default('report'),
  match: matchSchema.default({}),
  snapshotBeforeChange: z.boolean().default(false),
  applyImmediately: z.boolean().default(true),
  /** Overrides the severity of the rule's checks (each check declares its own). */
  severity: z.enum(SEVERITIES).optional(),
  ...checkShape(),
}).refine((rule) => Object.keys(checkShape()).some((key) => rule[key as keyof typeof rule] !== undefined), {
  error: `a rule needs at least one check: ${Object.keys(checkShape()).join(', ')}`,
});

const exemptionSchema = strictObject({
  /** An ARN glob (`arn:aws:elasticache:*:222222222201:replicationgroup:g-*`), or an id glob. */
  resource: globOf((pattern) => (isArnPattern(pattern) ? compileArnGlob(pattern) : compileGlob(pattern))),
  until: isoDate,
  reason: z.string().min(1),
  /** Names of the rules this exemption covers; every rule when absent. */
  rules: z.array(z.string().min(1)).min(1).optional(),
});

const settingsSchema = strictObject({
  maxActionsPerRun: z.number().int().min(0).max(1000).default(10),
  maxAlertsPerRun: z.number().int().min(1).max(1000).default(20),
  snapshotRetentionDays: z
    .number()
    .int()
    .min(SNAPSHOT_RETENTION_DAYS.min)
    .max(SNAPSHOT_RETENTION_DAYS.max)
    .default(DEFAULT_RETENTION_DAYS),
  /**
   * Whether durability can be turned on for an existing group (`online`, the user guide's
   * "Changing durability on an existing cluster") or only chosen at creation (`creation-only`,
   * the older Limitations page): plans then give a rebuild for a group with durability off.
   */
  durabilitySwitch: z.enum(['online', 'creation-only']).default('online'),
  /** Where to look; absent: the deployment's own account and region. */
  targets: targetsSchema.optional(),
});

export const policySchema = strictObject({
  version: z.literal(1, { error: (issue) => `expected 1, got ${echo(issue.input)}` }),
  settings: settingsSchema.default({
    maxActionsPerRun: 10,
    maxAlertsPerRun: 20,
    snapshotRetentionDays: DEFAULT_RETENTION_DAYS,
    durabilitySwitch: 'online',
  }),
  rules: z.array(ruleSchema).min(1),
  exemptions: z.array(exemptionSchema).default([]),
}).superRefine((policy, context) => {
  const seen = new Map<string, number>();
  policy.rules.forEach((rule, index) => {
    const first = seen.get(rule.name);
    if (first !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['rules', index, 'name'],
        message: `duplicate rule name ${echo(rule.name)} (also rules[${first}])`,
      });
    } else seen.set(rule.name, index);
  });
  policy.exemptions.forEach((exemption, index) => {
    if (policy.settings.targets !== undefined && !isArnPattern(exemption.resource))
      context.addIssue({
        code: 'custom',
        path: ['exemptions', index, 'resource'],
        message: `ambiguous: the id ${echo(exemption.resource)} names a resource in every account and region of settings.targets; give its ARN (glob), e.g. arn:aws:elasticache:<region>:<account>:replicationgroup:${clip(exemption.resource, 40)}`,
      });
    (exemption.rules ?? []).forEach((name, position) => {
      if (!seen.has(name)) {
        context.addIssue({
          code: 'custom',
          path: ['exemptions', index, 'rules', position],
          message: `unknown rule ${echo(name)} (rules: ${clip([...seen.keys()].join(', '), 200)})`,
        });
      }
    });
  });
});

export type Policy = z.output<typeof policySchema>;
export type Rule = Policy['rules'][number];
export type Exemption = Policy['exemptions'][number];
export type Match = Rule['match'];
