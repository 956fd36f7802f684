/**
 * The error names of both workflow state machines against the one catalogue
 * (shared/domain/workflow/errors.ts), both ways: every name an ASL file writes is one of its
 * workflow's names, and the names it writes itself are exactly those the catalogue gives it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDefinition } from '../../infra/local/step-functions.js';
import {
  MIGRATION_ERRORS,
  STATE_MACHINE_ERRORS,
  UPGRADE_ERRORS,
  WORKFLOW_ERRORS,
} from '../../shared/domain/workflow/index.js';

interface State {
  Type: string;
  Retry?: { ErrorEquals: string[] }[];
  Catch?: { ErrorEquals: string[] }[];
  Result?: { Error?: string };
  Error?: string;
}

/** Each workflow's state machine, with the names its steps and its ASL may use. */
const WORKFLOWS = [
  { file: 'migration.asl.yaml', names: MIGRATION_ERRORS, jobs: 'shared/jobs/migration' },
  { file: 'durability-upgrade.asl.yaml', names: UPGRADE_ERRORS, jobs: 'shared/jobs/upgrade' },
] as const;

const ROOT = new URL('../../', import.meta.url);

/** Error names the definition writes itself: retried, caught, raised by Pass or Fail states. */
function namedInAsl(file: string): Set<string> {
  const definition = loadDefinition(new URL(`infra/${file}`, ROOT)) as unknown as {
    States: Record<string, State>;
  };
  const names = Object.values(definition.States).flatMap((state) => [
    ...[...(state.Retry ?? []), ...(state.Catch ?? [])].flatMap((rule) => rule.ErrorEquals),
    ...(state.Type === 'Pass' && state.Result?.Error !== undefined ? [state.Result.Error] : []),
    ...(state.Type === 'Fail' && state.Error !== undefined ? [state.Error] : []),
  ]);
  // States.* and Lambda.* are the platform's own names.
  return new Set(names.filter((name) => !/^(States|Lambda)\./.test(name)));
}

describe('Workflow state machines: error names', () => {
  it.each(WORKFLOWS)(
    '$file names only errors of its catalogue, and every name the catalogue gives it',
    ({ file, names }) => {
      // Prepare
      const known = new Set<string>(Object.values(names));

      // Act
      const named = namedInAsl(file);

      // Assess
      expect(named.size).toBeGreaterThan(0);
      expect([...named].filter((name) => !known.has(name))).toEqual([]);
      expect([...named].sort()).toEqual([...STATE_MACHINE_ERRORS[file]].sort());
    },
  );

  it('gives every state machine of the catalogue an ASL file', () => {
    expect(Object.keys(STATE_MACHINE_ERRORS).sort()).toEqual(WORKFLOWS.map(({ file }) => file).sort());
  });

  it.each(WORKFLOWS)(
    '$file retries TransientError, the name the task runner gives a retryable failure',
    ({ file }) => {
      expect(namedInAsl(file)).toContain(WORKFLOW_ERRORS.transient);
    },
  );

  it.each(WORKFLOWS)(
    '$jobs and the workflow core take error names from the catalogue (none retyped)',
    ({ names, jobs }) => {
      // Prepare
      const sources = [jobs, 'shared/jobs/workflow'].flatMap((dir) =>
        readdirSync(new URL(`${dir}/`, ROOT)).map((file) => `${dir}/${file}`),
      );

      // Act
      const retyped = sources.flatMap((file) => {
        const text = readFileSync(new URL(file, ROOT), 'utf8');
        return Object.values(names)
          .filter((name) => text.includes(`'${name}'`))
          .map((name) => `${file}: '${name}'`);
      });

      // Assess
      expect(sources.length).toBeGreaterThan(2);
      expect(retyped).toEqual([]);
    },
  );
});
