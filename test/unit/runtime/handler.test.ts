import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { GuardrailsError, InputValidationError } from '../../../shared/runtime/errors.js';
import { createHandler } from '../../../shared/runtime/handler.js';
import { createLogger } from '../../../shared/runtime/logger.js';

const eventSchema = z.object({
  source: z.literal('aws.elasticache'),
  detail: z.object({ eventName: z.string() }),
});
const context = {} as Context;

function quietLogger() {
  const logger = createLogger('test');
  vi.spyOn(logger, 'error').mockImplementation(() => undefined);
  return logger;
}

describe('Function: createHandler', () => {
  it('passes the parsed event to the handler', async () => {
    // Prepare
    const handler = createHandler(
      { logger: quietLogger(), eventSchema, onFinalError: 'drop' },
      async (event) => event.detail.eventName,
    );

    // Act
    const result = await handler(
      { source: 'aws.elasticache', detail: { eventName: 'Modify' }, extra: 1 },
      context,
    );

    // Assess
    expect(result).toBe('Modify');
  });

  it('drops an async event that fails validation, naming every bad field', async () => {
    // Prepare
    const handler = createHandler(
      { logger: quietLogger(), eventSchema, onFinalError: 'drop' },
      async () => 'ran',
    );

    // Act
    const result = await handler({ source: 'aws.s3', detail: {} }, context);

    // Assess
    expect(result).toEqual({
      dropped: true,
      reason: expect.stringMatching(/^invalid event: source: .*; detail\.eventName: .*/),
    });
  });

  it('fails a Step Functions task on bad input so the state machine can catch it', async () => {
    // Prepare
    const handler = createHandler(
      { logger: quietLogger(), eventSchema, onFinalError: 'throw' },
      async () => 'ran',
    );

    // Act & Assess
    await expect(handler({ detail: { eventName: 3 } }, context)).rejects.toBeInstanceOf(InputValidationError);
  });

  it('rethrows a retryable error even for async events, so the platform retries', async () => {
    // Prepare
    const handler = createHandler({ logger: quietLogger(), eventSchema, onFinalError: 'drop' }, async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
    });

    // Act & Assess
    await expect(handler({ source: 'aws.elasticache', detail: { eventName: 'x' } }, context)).rejects.toThrow(
      'Rate exceeded',
    );
  });

  it('drops a final error of our own with its message as the reason', async () => {
    // Prepare
    const handler = createHandler({ logger: quietLogger(), eventSchema, onFinalError: 'drop' }, async () => {
      throw new GuardrailsError('group orders-1 is not eligible');
    });

    // Act
    const result = await handler({ source: 'aws.elasticache', detail: { eventName: 'x' } }, context);

    // Assess
    expect(result).toEqual({ dropped: true, reason: 'group orders-1 is not eligible' });
  });
});

describe('Function: createHandler, logging', () => {
  it('writes the request id and cold start in every log line of an invocation', async () => {
    // Prepare
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const logger = createLogger('test');
    const handler = createHandler({ logger, eventSchema, onFinalError: 'drop' }, async () => {
      logger.info('working');
      return 'ran';
    });
    const invocation = { awsRequestId: 'req-42', functionName: 'target-scan' } as Context;

    // Act
    await handler({ source: 'aws.elasticache', detail: { eventName: 'x' } }, invocation);
    write.mockRestore();

    // Assess
    const records = lines.flatMap((line) => line.trim().split('\n')).map((line) => JSON.parse(line));
    expect(records.find((record) => record.message === 'working')).toMatchObject({
      function_request_id: 'req-42',
      function_name: 'target-scan',
      cold_start: expect.any(Boolean),
    });
  });
});
