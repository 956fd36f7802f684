/**
 * Approvals of both workflows: a step that waits for an operator parks its task token in the
 * state table, where the CLI's `approve|reject` finds it (never in a message or a log).
 */
import { RECORD_KINDS, type RecordKind } from '../../aws/state-keys.js';

/** Where each workflow's approval requests wait, one record per group; the key is the CLI verb. */
export const APPROVAL_KINDS = {
  migration: RECORD_KINDS.migrationApproval,
  upgrade: RECORD_KINDS.upgradeApproval,
} as const;
export type ApprovalWorkflow = keyof typeof APPROVAL_KINDS;

/**
 * Park a task token where `guardrails <workflow> approve|reject` finds it, and give the
 * operator's two commands.
 *
 * @example
 * const instructions = await parkTaskToken(deps.store, { workflow: 'migration', groupId, execution, taskToken, requestedAt });
 */
export async function parkTaskToken(
  store: { putRecord(kind: RecordKind<object>, key: string, value: object): Promise<void> },
  park: {
    workflow: ApprovalWorkflow;
    groupId: string;
    execution: string;
    taskToken: string;
    requestedAt: string;
    /** What waits for the decision (an upgrade's step), shown by `status`. */
    step?: string;
  },
): Promise<string> {
  const { workflow, groupId, execution, taskToken, requestedAt, step } = park;
  await store.putRecord(APPROVAL_KINDS[workflow], groupId, {
    replicationGroupId: groupId,
    execution,
    taskToken,
    requestedAt,
    ...(step === undefined ? {} : { step }),
  });
  return `guardrails ${workflow} approve ${groupId}   (or: guardrails ${workflow} reject ${groupId} --reason "...")`;
}
