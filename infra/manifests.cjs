/**
 * The functions of the app and their manifests: every folder of functions/ is a function, its
 * `function.ts` says what the deployment needs to know of it (infra/function-manifest.ts). Read
 * through tsx, as infra/iam.cjs reads the check registry: the Serverless Framework `require`s the
 * CommonJS files of infra/, and a TypeScript manifest is type-checked with the rest of the code
 * and takes the state-table partitions and the checks' permissions from the modules that own them.
 */
const { existsSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const { require: requireTypeScript } = require('tsx/cjs/api');

const FUNCTIONS_DIR = join(__dirname, '..', 'functions');

/** Every function's name (its folder under functions/), sorted. */
const FUNCTIONS = readdirSync(FUNCTIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const manifests = new Map();

/** The manifest of the function `name` (functions/<name>/function.ts), read once. */
function manifestOf(name) {
  const known = manifests.get(name);
  if (known !== undefined) return known;
  if (!FUNCTIONS.includes(name))
    throw new Error(`no function named ${name} (functions/ holds ${FUNCTIONS.join(', ')})`);
  const file = join(FUNCTIONS_DIR, name, 'function.ts');
  if (!existsSync(file))
    throw new Error(`functions/${name} has no function.ts: every function declares its manifest there`);
  const { manifest } = requireTypeScript(file, __filename);
  if (manifest === undefined) throw new Error(`functions/${name}/function.ts exports no manifest`);
  manifests.set(name, manifest);
  return manifest;
}

/**
 * Invoked asynchronously (a schedule or an EventBridge rule): its failures go to
 * FailedInvocations. A state machine's tasks are caught by the state machine itself.
 */
const isAsync = (name) =>
  manifestOf(name).triggers.some((trigger) => 'schedule' in trigger || 'eventBridge' in trigger);

module.exports = { FUNCTIONS, manifestOf, isAsync };
