// The integration files' own setup, after test/setup.ts: they share worker processes too, each
// leaving the process as it found it (test/fresh-file.ts).
import { leaveProcessAsFound } from './fresh-file.js';

leaveProcessAsFound();
