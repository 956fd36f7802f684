/**
 * The EventBridge patterns of each reacting function, built from the kinds' CloudTrail calls
 * (shared/domain/resource-kinds.ts): handed to the domain's event parser by the handlers, and
 * to the deployment's rules by infra/functions.cjs (`<function>.cloudTrail`). Successful calls
 * only: `errorCode` absent.
 */
import type { AcceptedEvents, EventPattern } from '../domain/events.js';
import { type Reaction, reactionEvents } from '../domain/resource-kinds.js';

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

export const EVENT_PATTERNS: Record<Reaction, AcceptedEvents> = {
  durabilityReact: accepted('durabilityReact'),
  encryptionDrift: accepted('encryptionDrift'),
};
