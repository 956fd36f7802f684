import { describe, expect, it, vi } from 'vitest';
import { GuardrailsError } from '../../../shared/runtime/errors.js';
import { createLogger } from '../../../shared/runtime/logger.js';
import { isSqsBatch, parseSqsBatch, processBatch } from '../../../shared/runtime/sqs-batch.js';

function quietLogger() {
  const logger = createLogger('test');
  const error = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  return { logger, error };
}

describe('Function: processBatch', () => {
  it('processes every record in order and reports only those that failed', async () => {
    // Prepare
    const { logger, error } = quietLogger();
    const seen: string[] = [];
    const records = ['a', 'b', 'c', 'd'].map((id) => ({ messageId: id, body: id }));

    // Act
    const response = await processBatch(records, logger, async (record) => {
      seen.push(record.body);
      if (record.body === 'b') throw new GuardrailsError('bad body');
      if (record.body === 'c') throw new GuardrailsError('throttled', { retryable: true });
    });

    // Assess
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'b' }, { itemIdentifier: 'c' }] });
    expect(error).toHaveBeenCalledWith(
      expect.any(String),
      expect.objectContaining({ messageId: 'c', retryable: true }),
    );
  });
});

describe('Function: parseSqsBatch', () => {
  it('reads the message id and body of each record', () => {
    const event = { Records: [{ messageId: 'm1', body: '{}', eventSource: 'aws:sqs' }] };

    expect(isSqsBatch(event)).toBe(true);
    expect(parseSqsBatch(event)).toEqual([{ messageId: 'm1', body: '{}' }]);
  });

  it('refuses a batch whose records cannot be answered one by one, naming the field', () => {
    expect(() => parseSqsBatch({ Records: [{ body: '{}' }] })).toThrow('invalid event: Records.0.messageId');
    expect(isSqsBatch({ source: 'aws.elasticache' })).toBe(false);
  });
});
