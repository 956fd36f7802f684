import { Logger } from '@aws-lambda-powertools/logger';
import { redactSecrets } from './redact.js';

/**
 * Structured JSON logger for every function and the CLI (service name `elasticache-guardrails`).
 * Every key and value of a log line goes through the app's one redaction (`redact.ts`).
 *
 * @example
 * const logger = createLogger('target-scan');
 * logger.info('scan finished', { findings: 12 });
 */
export function createLogger(component: string): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'elasticache-guardrails',
    persistentKeys: { component },
    jsonReplacerFn: redactSecrets,
  });
}
