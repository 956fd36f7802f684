/**
 * What a finding says about its resource, in every output. `degraded`: the resource meets the
 * rule, but what it runs is straining (a durable group whose writes are rejected or throttled
 * while no workflow watches it).
 */
export const FINDING_STATUSES = ['compliant', 'violation', 'degraded', 'exempt', 'unknown', 'error'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
