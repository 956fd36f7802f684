import { Logger } from '@aws-lambda-powertools/logger';

/** Keys whose values never reach a log line, whatever object they sit in. */
const SECRET_KEY =
  /(auth[-_]?token|task[-_]?token|password|passwd|secret|credential|session[-_]?token|authorization)/i;
export const REDACTED = '[REDACTED]';

/**
 * JSON replacer that blanks secret-looking keys and `user:password@` parts of URLs.
 * Used by the logger, and by anything else that writes objects out (alerts, findings).
 */
export function redactSecrets(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEY.test(key) && value !== undefined && value !== null) return REDACTED;
  if (typeof value === 'string' && value.includes('@')) {
    return value.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s:]*:[^/@\s]*@/gi, `$1${REDACTED}@`);
  }
  return value;
}

/**
 * Structured JSON logger for every function and the CLI (service name `elasticache-guardrails`).
 *
 * @example
 * const logger = createLogger('durability-scan');
 * logger.info('scan finished', { findings: 12 });
 */
export function createLogger(component: string): Logger {
  return new Logger({
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'elasticache-guardrails',
    persistentKeys: { component },
    jsonReplacerFn: redactSecrets,
  });
}
