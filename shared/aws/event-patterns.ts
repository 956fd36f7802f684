/**
 * The EventBridge patterns of each reacting function (`infra/event-patterns.json`, also used by
 * the deployment), handed to the domain's event parser by the handlers.
 */
import patterns from '../../infra/event-patterns.json' with { type: 'json' };
import type { AcceptedEvents } from '../domain/events.js';

export const EVENT_PATTERNS: { durabilityReact: AcceptedEvents; encryptionDrift: AcceptedEvents } = patterns;
