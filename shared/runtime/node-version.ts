/**
 * The oldest Node the app runs on, checked before anything that needs it is loaded. The
 * floor comes from the dependencies' `engines` (package-lock.json): commander 15 (the CLI)
 * needs 22.12, @middy/core 7 and aws-local-stepfunctions 3 need 22 (the latter calls
 * `Promise.withResolvers`, which Node 20 lacks). This module imports nothing, so an entry point
 * can import it statically, check, and only then `import()` the rest.
 */

/** The oldest supported Node release, as `package.json` `engines` says it. */
export const MINIMUM_NODE = { major: 22, minor: 12 } as const;

/**
 * The one line that says this Node is too old, or undefined when it is recent enough.
 *
 * @example
 * nodeVersionProblem('20.20.2'); // 'guardrails needs Node 22.12 or later; this is Node 20.20.2'
 * nodeVersionProblem('22.12.0'); // undefined
 */
export function nodeVersionProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const recentEnough =
    major > MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor >= MINIMUM_NODE.minor);
  if (recentEnough) return undefined;
  return `guardrails needs Node ${MINIMUM_NODE.major}.${MINIMUM_NODE.minor} or later; this is Node ${version.replace(/^v/, '')}`;
}

/** Exit with code 1 and the one line of {@link nodeVersionProblem} on stderr when this Node is too old. */
export function exitUnlessSupportedNode(): void {
  const problem = nodeVersionProblem(process.versions.node);
  if (problem === undefined) return;
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
