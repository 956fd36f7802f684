import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { fitLogRecord } from './log-size.js';
import { redact } from './redact.js';

/**
 * Powertools' record (level, message, timestamp, service, Lambda context), redacted and then
 * fitted to one line of at most 8 KB (`log-size.ts`). Both happen here, once, on the JSON data
 * that is printed, so the size measured is the size written.
 */
class GuardrailsLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const record = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
      ...additional,
    };
    // redact() also turns errors into plain objects and cycles into markers, so this is the printed JSON.
    const printed = JSON.parse(
      JSON.stringify(redact(record), (_key, value) => (typeof value === 'bigint' ? value.toString() : value)),
    ) as Record<string, unknown>;
    return new LogItem({ attributes: fitLogRecord(printed) });
  }
}

/**
 * Structured JSON logger for every function and the CLI (service name `elasticache-guardrails`).
 * Every key and value of a log line goes through the app's one redaction (`redact.ts`), and a
 * line takes at most 8 KB: large fields keep their first part and say what was left out.
 *
 * @example
 * const logger = createLogger('target-scan');
 * logger.info('scan finished', { findings: 12 });
 */
export function createLogger(component: string): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'elasticache-guardrails',
    persistentKeys: { component },
    logFormatter: new GuardrailsLogFormatter(),
  });
}
