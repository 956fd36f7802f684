/** IAM requests the permission tests ask of several templates. */
import type { Request } from '../infra/local/emulator/iam-policy.js';

/**
 * Putting the managed tag on a snapshot a function did not create, and the same request as
 * part of CreateSnapshot: the tag makes a snapshot deletable by snapshot-cleanup, so only the
 * second may be allowed.
 */
export const TAG_SOMEONE_ELSES_SNAPSHOT: Request = {
  action: 'elasticache:AddTagsToResource',
  resource: 'arn:aws:elasticache:eu-west-1:123456789012:snapshot:someone-elses',
  context: { 'aws:RequestTag/guardrails:managed': 'true', 'aws:TagKeys': ['guardrails:managed'] },
};
export const TAG_ON_CREATE: Request = {
  ...TAG_SOMEONE_ELSES_SNAPSHOT,
  context: { ...TAG_SOMEONE_ELSES_SNAPSHOT.context, 'elasticache:CreateAction': 'CreateSnapshot' },
};
