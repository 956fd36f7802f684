/**
 * Every state machine of infra/ as the deployment ships it: valid ASL for asl-validator, and
 * every Task that invokes a Lambda function retries Lambda's own service faults (the Step
 * Functions best practice "Handle Lambda service exceptions"), whatever else it catches.
 */
import validateAsl from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { loadDefinition } from '../../infra/local/step-functions.js';
import { FUNCTIONS, manifestOf } from '../manifests.js';

const STATE_MACHINES = ['migration.asl.yaml', 'durability-upgrade.asl.yaml', 'org-scan.asl.yaml'];
/** Lambda's transient faults as Step Functions names them. */
const LAMBDA_FAULTS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

interface State {
  Type: string;
  Resource?: string;
  Retry?: { ErrorEquals: string[] }[];
  ItemProcessor?: { States: Record<string, State> };
  Iterator?: { States: Record<string, State> };
}

const definitionOf = (file: string) => loadDefinition(new URL(`../../infra/${file}`, import.meta.url));

/** Every state, Map item states included, by a path of state names. */
function statesOf(states: Record<string, State>, prefix = ''): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const inner = (state.ItemProcessor ?? state.Iterator)?.States;
    return [
      [`${prefix}${name}`, state],
      ...(inner === undefined ? [] : statesOf(inner, `${prefix}${name}/`)),
    ];
  });
}

/** A Task whose Resource is a function ARN placeholder or the lambda:invoke integration. */
const invokesLambda = (state: State) =>
  state.Type === 'Task' &&
  (/^\$\{[^}]+\}$/.test(state.Resource ?? '') ||
    (state.Resource ?? '').startsWith('arn:aws:states:::lambda:invoke') ||
    (state.Resource ?? '').includes(':lambda:'));

describe.each(STATE_MACHINES)('State machine: infra/%s', (file) => {
  it('is valid ASL', () => {
    // Act
    const { isValid, errorsText } = validateAsl(structuredClone(definitionOf(file)), {
      checkArn: true,
      checkPaths: true,
    });

    // Assess
    expect(errorsText('\n')).toBe('');
    expect(isValid).toBe(true);
  });

  it("retries Lambda's service faults on every Task that invokes a function", () => {
    // Prepare
    const { States } = definitionOf(file) as unknown as { States: Record<string, State> };
    const tasks = statesOf(States).filter(([, state]) => invokesLambda(state));

    // Act
    const missing = tasks.flatMap(([name, state]) => {
      const retried = new Set((state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals));
      return LAMBDA_FAULTS.filter((fault) => !retried.has(fault)).map((fault) => `${name}: ${fault}`);
    });

    // Assess
    expect(tasks.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});

describe('Function manifests: the `task` triggers', () => {
  it.each(STATE_MACHINES)('name exactly the functions infra/%s invokes', (file) => {
    // Prepare
    const machine = file.replace(/\.asl\.yaml$/, '');
    const placeholders = JSON.stringify(definitionOf(file)).match(/"\$\{[a-z][a-z-]*\}"/g) ?? [];

    // Act
    const invoked = [...new Set(placeholders.map((placeholder) => placeholder.slice(3, -2)))].sort();
    const declared = FUNCTIONS.filter((name) =>
      manifestOf(name).triggers.some((trigger) => 'task' in trigger && trigger.task === machine),
    );

    // Assess
    expect(invoked.length).toBeGreaterThan(0);
    expect(declared).toEqual(invoked);
  });
});
