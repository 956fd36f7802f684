import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DETAIL_TYPES, type PendingEvent } from '../../../shared/aws/notify.js';
import { StateStore, type StoredFinding } from '../../../shared/aws/state-store.js';
import type { Finding } from '../../../shared/domain/finding.js';

const documents = mockClient(DynamoDBDocumentClient);
const findings = () => new StateStore('guardrails-state', { region: 'us-east-1', maxAttempts: 1 }).findings;
const ARN = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders';
const KEY = { pk: 'target#123456789012#us-east-1', sk: `finding#${ARN}#prod#durability` };
const LEGACY_KEY = { pk: `resource#${ARN}`, sk: 'finding#prod#durability' };
const finding: Finding = {
  resourceType: 'replication-group',
  resourceId: 'orders',
  arn: ARN,
  rule: 'prod',
  check: 'durability',
  status: 'violation',
  expected: 'sync',
  observed: 'disabled',
  reason: 'EffectiveDurability is disabled',
  action: null,
};
const NOW = new Date('2026-11-25T10:00:00.000Z');
const violation: PendingEvent = {
  id: 'v1',
  detailType: DETAIL_TYPES.policyViolation,
  detail: { finding },
  resources: [ARN],
  createdAt: NOW.toISOString(),
};
/** A new violation is an event; an unchanged one is none. */
const decide = (before: StoredFinding | undefined) => (before?.status === 'violation' ? [] : [violation]);
const conflict = () => new ConditionalCheckFailedException({ message: 'changed', $metadata: {} });

describe('Class: FindingStore', () => {
  beforeEach(() => documents.reset());

  describe('Method: record', () => {
    it('writes once, assuming the stored record unchanged, and answers the events still pending', async () => {
      // Prepare: an older event is still pending on the item.
      const { id: _id, ...older } = { ...violation, createdAt: '2026-11-25T09:00:00.000Z' };
      documents
        .on(UpdateCommand)
        .resolves({ Attributes: { ...KEY, status: 'violation', finding, 'outbox#old': older } });

      // Act
      const outbox = await findings().record(finding, NOW, { fixed: [], decide });

      // Assess
      expect(outbox.added).toEqual([]);
      expect(outbox.pending).toEqual([{ ...older, id: 'old' }]);
      expect(documents.commandCalls(UpdateCommand)).toHaveLength(1);
      expect(documents).toReceiveCommandWith(UpdateCommand, {
        Key: KEY,
        ConditionExpression: '#status = :beforeStatus AND attribute_type(finding.#action, :nullType)',
      });
    });

    it('on a changed record reads it and stores the events it calls for in the same write, only while it is still so', async () => {
      // Prepare: the record was compliant; the first write (assuming a violation) is refused.
      documents.on(UpdateCommand).rejectsOnce(conflict()).resolves({ Attributes: {} });
      documents
        .on(GetCommand)
        .resolves({ Item: { status: 'compliant', finding: { ...finding, status: 'compliant' } } });

      // Act
      const outbox = await findings().record(finding, NOW, { fixed: [], decide });

      // Assess
      expect(outbox.added).toEqual([violation]);
      const second = documents.commandCalls(UpdateCommand)[1]?.args[0].input;
      expect(second?.ConditionExpression).toBe(
        '#status = :beforeStatus AND attribute_type(finding.#action, :nullType)',
      );
      expect(second?.ExpressionAttributeValues?.[':beforeStatus']).toBe('compliant');
      expect(second?.ExpressionAttributeNames?.['#o0']).toBe('outbox#v1');
      expect(second?.UpdateExpression).toContain('#o0 = :o0');
    });

    it('names the key of a stored finding that is damaged', async () => {
      // Prepare
      documents.on(UpdateCommand).rejects(conflict());
      documents.on(GetCommand).resolves({ Item: { status: 'broken', finding } });

      // Act
      const recorded = findings().record(finding, NOW, { fixed: [], decide });

      // Assess
      await expect(recorded).rejects.toThrow(
        `item target#123456789012#us-east-1 / finding#${ARN}#prod#durability is not readable: status`,
      );
    });
  });

  describe('Method: record (with what the run read)', () => {
    const stored = (item: Record<string, unknown>) => new Map([[`${KEY.pk}/${KEY.sk}`, { ...KEY, ...item }]]);

    it('writes nothing for a finding stored as it is, and answers its pending events', async () => {
      // Prepare: the stored violation, with an older event still pending.
      const { id: _id, ...older } = { ...violation, createdAt: '2026-11-25T09:00:00.000Z' };
      const read = stored({ status: 'violation', finding, 'outbox#old': older });

      // Act
      const outbox = await findings().record(finding, NOW, { fixed: [], decide }, read);

      // Assess
      expect(outbox).toEqual({ finding, pending: [{ ...older, id: 'old' }], added: [] });
      expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('writes a finding whose reason changed, only while the stored status still holds', async () => {
      // Prepare
      documents.on(UpdateCommand).resolves({ Attributes: {} });
      const read = stored({ status: 'violation', finding: { ...finding, reason: 'before' } });

      // Act
      const outbox = await findings().record(finding, NOW, { fixed: [], decide }, read);

      // Assess
      expect(outbox.added).toEqual([]);
      expect(documents).toReceiveCommandWith(UpdateCommand, {
        Key: KEY,
        ExpressionAttributeValues: expect.objectContaining({
          ':beforeStatus': 'violation',
          ':finding': finding,
        }),
      });
    });

    it("moves a finding found under the previous version's key, its pending events and first sighting with it", async () => {
      // Prepare: nothing in the target's partition; the old item holds a violation and a pending event.
      const { id: _id, ...older } = { ...violation, createdAt: '2026-11-25T09:00:00.000Z' };
      const read = new Map([
        [
          `${LEGACY_KEY.pk}/${LEGACY_KEY.sk}`,
          { ...LEGACY_KEY, status: 'violation', finding, firstSeen: '2026-01-01', 'outbox#old': older },
        ],
      ]);
      documents
        .on(UpdateCommand)
        .resolves({ Attributes: { ...KEY, status: 'violation', finding, 'outbox#old': older } });
      documents.on(DeleteCommand).resolves({});

      // Act
      const outbox = await findings().record(finding, NOW, { fixed: [], decide }, read);

      // Assess: decided from the old record (no new violation), written once where it is absent, old item gone.
      expect(outbox).toEqual({ finding, pending: [{ ...older, id: 'old' }], added: [] });
      const write = documents.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(write).toMatchObject({ Key: KEY, ConditionExpression: 'attribute_not_exists(pk)' });
      expect(write?.ExpressionAttributeNames?.['#o0']).toBe('outbox#old');
      expect(write?.ExpressionAttributeValues?.[':firstSeen']).toBe('2026-01-01');
      expect(documents).toReceiveCommandWith(DeleteCommand, { Key: LEGACY_KEY });
    });
  });

  describe('Method: read', () => {
    it("reads a target's findings with one Query, one resource's by its key prefix, and the previous version's of the resources the target lacks by key, in one BatchGetItem", async () => {
      // Prepare: the target holds `finding`; `other` (two rules) is only where the previous version kept it.
      const other = { ...finding, arn: ARN.replace('orders', 'carts'), resourceId: 'carts' };
      const otherLegacy = { pk: `resource#${other.arn}`, sk: 'finding#prod#durability' };
      documents
        .on(QueryCommand)
        .resolves({ Items: [] })
        .on(QueryCommand, { ExpressionAttributeValues: { ':pk': KEY.pk } }, false)
        .resolves({ Items: [{ ...KEY, status: 'violation', finding }] })
        .on(BatchGetCommand)
        .resolves({
          Responses: { 'guardrails-state': [{ ...otherLegacy, status: 'violation', finding: other }] },
        });

      // Act
      const target = await findings().read([finding, other, { ...other, rule: 'second' }]);
      const resource = await findings().read([finding, { ...finding, rule: 'second' }]);

      // Assess
      expect([...target.keys()]).toEqual([`${KEY.pk}/${KEY.sk}`, `${otherLegacy.pk}/${otherLegacy.sk}`]);
      expect(resource.size).toBe(1);
      const queries = documents.commandCalls(QueryCommand).map((call) => call.args[0].input);
      expect(queries.map((input) => input.ExpressionAttributeValues)).toEqual([
        { ':pk': KEY.pk, ':prefix': 'finding#' },
        { ':pk': KEY.pk, ':prefix': `finding#${ARN}#` },
      ]);
      const batches = documents.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems);
      expect(batches).toEqual([
        {
          'guardrails-state': {
            Keys: [otherLegacy, { ...otherLegacy, sk: 'finding#second#durability' }],
            ConsistentRead: true,
          },
        },
      ]);
    });

    it('asks again for the keys DynamoDB left unprocessed, and names the call when they stay so', async () => {
      // Prepare: the first answer leaves the second key unprocessed; then every answer does.
      const other = { ...finding, rule: 'second' };
      const legacy = { pk: LEGACY_KEY.pk, sk: 'finding#second#durability' };
      documents
        .on(QueryCommand)
        .resolves({ Items: [] })
        .on(BatchGetCommand)
        .resolvesOnce({
          Responses: { 'guardrails-state': [{ ...LEGACY_KEY, status: 'violation', finding }] },
          UnprocessedKeys: { 'guardrails-state': { Keys: [legacy] } },
        })
        .resolvesOnce({
          Responses: { 'guardrails-state': [{ ...legacy, status: 'violation', finding: other }] },
        })
        .resolves({ UnprocessedKeys: { 'guardrails-state': { Keys: [legacy] } } });

      vi.useFakeTimers();

      // Act: the back-offs pass on the fake clock.
      const first = findings().read([finding, other]);
      await vi.runAllTimersAsync();
      const read = await first;
      const stuck = findings().read([finding, other]);
      const refused = expect(stuck).rejects.toThrow(
        /DynamoDB BatchGetItem failed: .*1 keys left unprocessed/,
      );
      await vi.runAllTimersAsync();
      vi.useRealTimers();

      // Assess
      expect([...read.keys()]).toEqual([`${LEGACY_KEY.pk}/${LEGACY_KEY.sk}`, `${legacy.pk}/${legacy.sk}`]);
      await refused;
    });
  });

  describe('Method: markPublished', () => {
    it('removes the published events and their claims from the outbox, never creating an item', async () => {
      // Prepare
      documents.on(UpdateCommand).resolves({});

      // Act
      await findings().markPublished(finding, ['v1', 'v2']);

      // Assess
      expect(documents).toReceiveCommandWith(UpdateCommand, {
        Key: KEY,
        UpdateExpression: 'REMOVE #o0, #c0, #o1, #c1',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: {
          '#o0': 'outbox#v1',
          '#c0': 'claim#v1',
          '#o1': 'outbox#v2',
          '#c1': 'claim#v2',
        },
      });
    });
  });
});
