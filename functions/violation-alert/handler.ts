import {
  createViolationAlertDeps,
  sendViolationAlert,
  violationEventSchema,
} from '../../shared/jobs/violation-alert.js';

const alerting = createViolationAlertDeps();

/**
 * A new violation this deployment emitted, to the alert topic once per event id. A bad event
 * is dropped naming the field; an alert another invocation is sending is retried by Lambda.
 */
export const handler = alerting.handler(
  { eventSchema: violationEventSchema, onFinalError: 'drop' },
  async (event, context) => {
    const result = await sendViolationAlert(alerting.job(context), event);
    alerting.logger.info(result.sent ? 'violation alerted' : 'violation already alerted', result);
    return result;
  },
);
