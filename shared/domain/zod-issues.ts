/** How zod's issues are written in messages, for the domain modules that import it from here: see runtime/zod-issues.ts. */
export { describeIssue, fieldProblems, formatPath, parseInput } from '../runtime/zod-issues.js';
