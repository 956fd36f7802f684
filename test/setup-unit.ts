// The unit project's own setup, after test/setup.ts. Only unit files mock clients with
// aws-sdk-client-mock and use its matchers: the integration files' processes skip loading them.
import 'aws-sdk-client-mock-vitest/extend';
import { leaveProcessAsFound } from './fresh-file.js';

// The unit files share worker processes: each leaves the process as it found it (test/fresh-file.ts).
leaveProcessAsFound();
