import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { redactText } from './redact.js';
import { isRetryable } from './retryable.js';
import { parseInput } from './zod-issues.js';

/** What a function does with an error no redelivery can fix. */
export const ON_FINAL_ERROR = {
  /** Async triggers (EventBridge, SQS, schedules): log and drop, so the platform does not retry forever. */
  drop: 'drop',
  /** Step Functions tasks: fail the task so the state machine's Catch takes over. */
  throw: 'throw',
} as const;
export type OnFinalError = (typeof ON_FINAL_ERROR)[keyof typeof ON_FINAL_ERROR];

/** Kept here for the runtime's importers; the formatting lives in the domain. */
export { parseInput } from './zod-issues.js';

export interface DroppedEvent {
  dropped: true;
  reason: string;
}

/**
 * Middleware that validates the raw event with a zod schema and replaces it with the
 * parsed value; a bad event becomes an InputValidationError naming each bad field.
 */
export function parseEvent<Schema extends z.ZodType>(schema: Schema): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      request.event = parseInput(schema, request.event, 'event');
    },
  };
}

/**
 * Middleware that sorts errors: retryable ones are rethrown so the platform retries;
 * final ones are logged and, for async triggers, answered with a `DroppedEvent`.
 */
export function classifyErrors(options: {
  logger: Logger;
  onFinalError: OnFinalError;
}): MiddlewareObj<unknown> {
  return {
    onError: (request) => {
      const error = request.error;
      const retryable = isRetryable(error);
      const reason = redactText(error instanceof Error ? error.message : String(error));
      options.logger.error(retryable ? 'failed, will be retried' : 'failed, not retryable', {
        error,
        retryable,
      });
      if (retryable || options.onFinalError === ON_FINAL_ERROR.throw) return;
      request.error = null;
      request.response = { dropped: true, reason } satisfies DroppedEvent;
    },
  };
}

/**
 * The middy stack every function uses: the Lambda context in every log line (request id, cold
 * start, function name), event validation, then error classification.
 *
 * @example
 * export const handler = createHandler({ logger, eventSchema, onFinalError: 'drop' }, async (event) => run(event));
 */
export function createHandler<Schema extends z.ZodType, Result>(
  options: { logger: Logger; eventSchema: Schema; onFinalError: OnFinalError },
  handler: (event: z.infer<Schema>, context: Context) => Promise<Result>,
) {
  return (
    middy<unknown, Result | DroppedEvent>()
      .use(injectLambdaContext(options.logger))
      .use(classifyErrors(options))
      .use(parseEvent(options.eventSchema))
      // parseEvent has replaced the raw event with the schema's output by the time this runs.
      .handler((event, context) => handler(event as z.infer<Schema>, context))
  );
}
