/**
 * The EventBridge patterns of each reacting function, built from the kinds' CloudTrail calls
 * (shared/domain/resource-kinds.ts): handed to the domain's event parser by the handlers, and
 * to the deployment's rules by infra/functions.cjs (`<function>.cloudTrail`). Successful calls
 * only: `errorCode` absent. Beside them, the app's own events a function takes
 * (`violationAlert.ownViolations`).
 */
import { checksAlertedByEvent } from '../domain/checks/registry.js';
import type { AcceptedEvents, EventPattern } from '../domain/events.js';
import { type Reaction, reactionEvents } from '../domain/resource-kinds.js';
import { DETAIL_TYPES, EVENT_SOURCE } from './notify.js';

/** The pattern of the successful CloudTrail calls `eventNames`. */
const cloudTrail = (eventNames: string[]): EventPattern => ({
  source: ['aws.elasticache'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['elasticache.amazonaws.com'],
    eventName: eventNames,
    errorCode: [{ exists: false }],
  },
});

const accepted = (reaction: Reaction): AcceptedEvents => ({
  cloudTrail: cloudTrail(reactionEvents(reaction)),
});

export const EVENT_PATTERNS = {
  durabilityReact: accepted('durabilityReact'),
  encryptionDrift: accepted('encryptionDrift'),
  /**
   * New violations of the checks without an alert of their own (a new check is alerted with no
   * change here); the manifest's `ownAccountOnly` adds the deployment's account to the rule.
   */
  violationAlert: {
    ownViolations: {
      source: [EVENT_SOURCE],
      'detail-type': [DETAIL_TYPES.policyViolation],
      detail: { finding: { check: checksAlertedByEvent() } },
    },
  },
} satisfies Record<Reaction, AcceptedEvents> & Record<string, object>;
