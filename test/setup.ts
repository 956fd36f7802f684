import { retryWithoutBackoff } from './sdk-no-backoff.js';

// A test without credentials must fail at once: the SDK's credential chain would otherwise
// ask the EC2 instance metadata service, an address no test may reach.
process.env.AWS_EC2_METADATA_DISABLED = 'true';

// Same attempts, no sleeping between them: see test/sdk-no-backoff.ts.
retryWithoutBackoff();
