/** What a finding says about its resource, in every output. */
export const FINDING_STATUSES = ['compliant', 'violation', 'exempt', 'unknown', 'error'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
