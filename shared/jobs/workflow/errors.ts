/**
 * The failure both workflows' steps throw: its `name` is the ASL Error the state machine routes
 * on (a name of the one catalogue, shared/domain/workflow/errors.ts, or an AWS fault's).
 */
import type { WorkflowErrorName } from '../../domain/workflow/index.js';
import { GuardrailsError } from '../../runtime/errors.js';
import { redactText } from '../../runtime/redact.js';

/**
 * A failure the state machine routes on: `name` is the ASL Error, the message its Cause.
 * The message is redacted here: Step Functions keeps the Cause in the execution history.
 *
 * @example
 * throw new WorkflowError(WORKFLOW_ERRORS.taskTokenMissing, 'the approval step needs a task token');
 */
export class WorkflowError extends GuardrailsError {
  /** `code` is a name of the catalogue, or a final AWS refusal named after its fault. */
  constructor(
    code: WorkflowErrorName | { fault: string },
    message: string,
    options: { retryable?: boolean; cause?: unknown } = {},
  ) {
    super(redactText(message), options);
    this.name = typeof code === 'string' ? code : code.fault;
  }
}
