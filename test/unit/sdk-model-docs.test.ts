/**
 * The SDK's own model documentation is a source we did not write: every model member the app
 * reads (shared/ and functions/) has its `.d.ts` doc comment searched for words that retire it.
 * A member still read although its doc retires it needs a line here saying why.
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelMember, modelMembersRead, RETIREMENT_WORDS, sourceFiles } from '../sdk-model-docs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'test/fixtures/sdk-model-docs';

/** Members whose doc comment matches RETIREMENT_WORDS and that the app reads anyway, and why. */
const ALLOWED: Readonly<Record<string, string>> = {
  'organizations ListAccountsResponse.Accounts':
    'the list itself stays; its doc warns that the Status of each Account is retired, checked as Account.Status',
  'organizations ListAccountsForParentResponse.Accounts':
    'the list itself stays; its doc warns that the Status of each Account is retired, checked as Account.Status',
};

const appReads = (member: ModelMember) =>
  member.readAt.filter((at) => at.startsWith('shared/') || at.startsWith('functions/'));

describe('SDK model documentation of the members the app reads', () => {
  let members: ModelMember[];

  beforeAll(() => {
    // One program for the app and the fixtures: reads are told apart by where they are.
    const files = sourceFiles(ROOT, ['shared', 'cli', 'functions', FIXTURES]);
    members = modelMembersRead(ROOT, files);
  }, 120_000);

  it('finds no member the app reads that its doc comment retires, outside the allow-list', () => {
    // Act
    const app = members.filter((member) => appReads(member).length > 0);
    const retired = app.filter((member) => RETIREMENT_WORDS.test(member.doc));

    // Assess
    console.info(
      `SDK model members the app reads, checked: ${app.length} (retired by their doc: ${retired.length})`,
    );
    expect(app.length).toBeGreaterThan(50);
    expect(
      retired
        .filter((member) => !Object.hasOwn(ALLOWED, member.key))
        .map((member) => `${member.key} (read at ${appReads(member).join(', ')})`),
    ).toEqual([]);
    // An allow-list line whose member is no longer read would let a new read pass unseen.
    expect(Object.keys(ALLOWED).filter((key) => !retired.some((member) => member.key === key))).toEqual([]);
  });

  it('flags Account.Status read directly and through a shape written by hand, and not Account.State', () => {
    // Act
    const status = members.find((member) => member.key === 'organizations Account.Status');
    const state = members.find((member) => member.key === 'organizations Account.State');

    // Assess
    expect(status !== undefined && RETIREMENT_WORDS.test(status.doc)).toBe(true);
    expect(status?.readAt.filter((at) => at.startsWith(FIXTURES)).map((at) => at.split(':')[0])).toEqual(
      expect.arrayContaining([
        `${FIXTURES}/reads-account-status.ts`,
        `${FIXTURES}/reads-account-status-shape.ts`,
      ]),
    );
    expect(state?.readAt.filter((at) => at.startsWith(FIXTURES))).toEqual([
      expect.stringMatching(/reads-account-state\.ts:\d+$/),
    ]);
    expect(RETIREMENT_WORDS.test(state?.doc ?? 'retired')).toBe(false);
  });
});
