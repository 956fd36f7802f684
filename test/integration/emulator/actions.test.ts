import { readdirSync, readFileSync } from 'node:fs';
import { DescribeCacheSubnetGroupsCommand, ElastiCacheServiceException } from '@aws-sdk/client-elasticache';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../../infra/local/emulator/model.js';
import { isKnownAction } from '../../../infra/local/emulator/protocol.js';
import { conformanceSandbox } from './fixtures.js';

const { client, refusal } = await conformanceSandbox();
const EMULATOR_DIR = new URL('../../../infra/local/emulator/', import.meta.url);

describe('ElastiCache emulator: the action table', () => {
  it('names only actions the ElastiCache API defines (a misspelt entry would never be reached)', () => {
    const unknown = Object.keys(ACTIONS).filter((action) => !isKnownAction(action));

    expect(unknown).toEqual([]);
    expect(Object.keys(ACTIONS)).toHaveLength(28);
  });

  it('refuses a real action it does not serve with InvalidAction', async () => {
    const error = await refusal(client.send(new DescribeCacheSubnetGroupsCommand({})));

    expect(error).toBeInstanceOf(ElastiCacheServiceException);
    expect(error.name).toBe('InvalidAction');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toMatch(/DescribeCacheSubnetGroups is not supported by the local emulator/);
  });

  it('keeps its rules independent of the app: no emulator module imports shared/domain', () => {
    const importers = readdirSync(EMULATOR_DIR)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) =>
        /from '[./]*\/shared\/domain\//.test(readFileSync(new URL(file, EMULATOR_DIR), 'utf8')),
      );

    expect(importers).toEqual([]);
  });
});
