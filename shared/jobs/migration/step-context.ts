/** What a migration step is given (StepContext on the migration's state) and the events it sends. */
import { DETAIL_TYPES, type OutgoingEvent } from '../../aws/notify.js';
import type { StepContext } from '../workflow/task.js';
import type { MigrationState } from './state.js';

/** A migration step's context: its function's deps and the execution state, parsed. */
export type MigrationContext<Deps> = StepContext<Deps, MigrationState>;

/** A `Migration Step` event of this execution. */
export function stepEvent(
  context: MigrationContext<unknown>,
  step: string,
  detail: object = {},
): OutgoingEvent {
  return {
    detailType: DETAIL_TYPES.migrationStep,
    detail: {
      replicationGroupId: context.state.input.replicationGroupId,
      execution: context.execution,
      step,
      ...detail,
    },
  };
}
