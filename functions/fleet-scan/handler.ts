import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { createFleetClients } from '../../shared/aws/clients.js';
import { readFleet } from '../../shared/aws/elasticache.js';
import { evaluate, summarize } from '../../shared/domain/evaluate.js';
import { loadPolicyFile } from '../../shared/domain/policy/load.js';
import { COMMON_ENV, parseEnv } from '../../shared/runtime/config.js';
import { createHandler } from '../../shared/runtime/handler.js';
import { createLogger } from '../../shared/runtime/logger.js';

const logger = createLogger('fleet-scan');
const config = parseEnv({
  ...COMMON_ENV,
  POLICY_FILE: z
    .string()
    .min(1)
    .default(fileURLToPath(new URL('./policy.yaml', import.meta.url))),
});
const clients = createFleetClients({ maxAttempts: config.AWS_MAX_ATTEMPTS });
let policy: ReturnType<typeof loadPolicyFile> | undefined;
/** Read once per container, on first use, so a bad policy fails the invocation with its message. */
function currentPolicy() {
  policy ??= loadPolicyFile(config.POLICY_FILE);
  return policy;
}

/** A schedule (EventBridge Scheduled Event) or a direct invocation; nothing in it is needed. */
const eventSchema = z.looseObject({});

/** Report every resource against every rule of the policy; violations are logged one per line. */
export const handler = createHandler({ logger, eventSchema, onFinalError: 'drop' }, async () => {
  const findings = evaluate(await readFleet(clients), await currentPolicy(), new Date());
  for (const finding of findings.filter((item) => item.status === 'violation')) {
    logger.warn('policy violation', { finding });
  }
  const summary = summarize(findings);
  logger.info('scan finished', { summary });
  return { summary };
});
