import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSBatchResponse } from 'aws-lambda';
import * as z from 'zod';
import { parseInput } from './handler.js';
import { isRetryable } from './retryable.js';

/** What a batch needs of an SQS record: its id, to report it, and its body. */
export interface QueueRecord {
  messageId: string;
  body: string;
}

const SQS_BATCH = z.object({
  Records: z.array(z.looseObject({ messageId: z.string().min(1), body: z.string() })).min(1),
});

/** Whether an event is an SQS batch (it has `Records`) rather than an EventBridge event. */
export function isSqsBatch(event: unknown): event is { Records: unknown } {
  return typeof event === 'object' && event !== null && 'Records' in event;
}

/**
 * The records of an SQS event. An envelope without a message id for every record cannot be
 * answered record by record: that is an InputValidationError naming the field.
 */
export function parseSqsBatch(event: unknown): QueueRecord[] {
  return parseInput(SQS_BATCH, event, 'event').Records.map(({ messageId, body }) => ({ messageId, body }));
}

/**
 * Process the records of an SQS batch one after the other, each on its own. A record that
 * fails (a body that cannot be read, a retryable error, any other error) is logged and
 * answered in `batchItemFailures`: with `functionResponseType: ReportBatchItemFailures` SQS
 * delivers only it again, and after the queue's `maxReceiveCount` moves it to the dead-letter
 * queue. The others are deleted. One after the other, so two records about one resource never
 * race each other.
 *
 * @example
 * return processBatch(parseSqsBatch(event), logger, (record) => recheck(parseRecheckMessage(record.body)));
 */
export async function processBatch(
  records: readonly QueueRecord[],
  logger: Logger,
  processRecord: (record: QueueRecord) => Promise<unknown>,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    try {
      await processRecord(record);
    } catch (error) {
      logger.error('record failed: SQS delivers it again, then moves it to the dead-letter queue', {
        messageId: record.messageId,
        error,
        retryable: isRetryable(error),
      });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
