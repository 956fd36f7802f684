/**
 * The key a packaging is kept under (packaging.ts): a kept template is reused only for the same
 * deployment of the same inputs, so a change to any file packaging reads packages again.
 */
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Deployment, PACKAGING_INPUTS, packagingKey } from './packaging.js';

let root: string;
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
const DEPLOYMENT: Deployment = { stage: 'test', region: 'eu-west-1' };

beforeEach(() => {
  // A project holding one file of each input.
  root = mkdtempSync(join(tmpdir(), 'guardrails-key-'));
  for (const input of PACKAGING_INPUTS) write(input.includes('.') ? input : `${input}/a.ts`, input);
});

describe('Packaging key', () => {
  it('is the same for the same deployment of the same files', () => {
    expect(packagingKey(DEPLOYMENT, root)).toBe(packagingKey({ ...DEPLOYMENT }, root));
  });

  it.each(PACKAGING_INPUTS)('changes when %s changes', (input) => {
    // Prepare
    const before = packagingKey(DEPLOYMENT, root);

    // Act
    write(input.includes('.') ? input : `${input}/a.ts`, `${input} changed`);

    // Assess
    expect(packagingKey(DEPLOYMENT, root)).not.toBe(before);
  });

  it('changes when a file is added or renamed', () => {
    const before = packagingKey(DEPLOYMENT, root);
    write('functions/b.ts', 'functions');
    const added = packagingKey(DEPLOYMENT, root);
    expect(added).not.toBe(before);

    renameSync(join(root, 'shared/a.ts'), join(root, 'shared/b.ts'));
    expect(packagingKey(DEPLOYMENT, root)).not.toBe(added);
  });

  it('changes with the stage, the region and each parameter', () => {
    const keys = (
      [
        DEPLOYMENT,
        { ...DEPLOYMENT, stage: 'prod' },
        { ...DEPLOYMENT, region: 'eu-west-2' },
        { ...DEPLOYMENT, params: { organizationId: 'o-a1b2c3d4e5' } },
        { ...DEPLOYMENT, params: { organizationId: 'o-a1b2c3d4e6' } },
        { ...DEPLOYMENT, params: { vpcSubnetIds: 'o-a1b2c3d4e5' } },
      ] as Deployment[]
    ).map((deployment) => packagingKey(deployment, root));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
