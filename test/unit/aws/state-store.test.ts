import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  durabilityLeaseKey,
  LEASE_PARTITION,
  migrationLockKey,
  PARTITIONS,
  RECORD_KINDS,
  remediationDetailsSchema,
} from '../../../shared/aws/state-keys.js';
import { StateStore, StoredDataError } from '../../../shared/aws/state-store.js';
import { FUNCTIONS, manifestOf } from '../../manifests.js';

const documents = mockClient(DynamoDBDocumentClient);
const store = () => new StateStore('guardrails-state', { region: 'us-east-1', maxAttempts: 1 });
const ARN = 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:orders';
const lease = (details: object) => ({
  pk: LEASE_PARTITION,
  sk: durabilityLeaseKey(ARN),
  holder: 'target-scan/1',
  acquiredAt: '2026-11-25T10:00:00.000Z',
  expiresAt: 1_790_000_000,
  details,
});

describe('Class: StateStore', () => {
  beforeEach(() => documents.reset());

  describe('Method: readLease', () => {
    it('parses the details with the schema of their kind', async () => {
      // Prepare
      const details = {
        phase: 'refused',
        replicationGroupId: 'orders',
        rule: 'prod',
        from: 'disabled',
        target: 'sync',
        applyImmediately: true,
        faultCode: 'InvalidParameterCombinationException',
      };
      documents.on(GetCommand).resolves({ Item: lease(details) });

      // Act
      const read = await store().readLease(durabilityLeaseKey(ARN), remediationDetailsSchema);

      // Assess
      expect(read).toMatchObject({ key: durabilityLeaseKey(ARN), holder: 'target-scan/1', details });
    });

    it('names the key and the field of a lease whose details are damaged', async () => {
      // Prepare
      documents.on(GetCommand).resolves({ Item: lease({ phase: 'waiting', target: 'sync' }) });

      // Act
      const read = store().readLease(durabilityLeaseKey(ARN), remediationDetailsSchema);

      // Assess
      await expect(read).rejects.toThrow(StoredDataError);
      await expect(read).rejects.toThrow(
        `item lease#123456789012#us-east-1 / durability#${ARN} is not readable: phase: expected one of`,
      );
    });

    it('names the key of a lease without a holder', async () => {
      // Prepare
      const { holder: _holder, ...item } = lease({});
      documents.on(QueryCommand).resolves({ Items: [{ ...item, sk: migrationLockKey('orders') }] });

      // Act
      const listed = store().listLeases('', new Date());

      // Assess
      await expect(listed).rejects.toThrow(
        'item lease / migration#orders is not readable: holder: is required',
      );
    });
  });

  describe('Method: readRecord', () => {
    it('names the kind, key and field of a damaged record', async () => {
      // Prepare
      documents.on(GetCommand).resolves({ Item: { value: { execution: 'run-1', requestedAt: 'now' } } });

      // Act
      const read = store().readRecord(RECORD_KINDS.migrationApproval, 'orders');

      // Assess
      await expect(read).rejects.toThrow(
        'item approval#migration / orders is not readable: taskToken: is required',
      );
    });
  });
});

describe('Constant: PARTITIONS', () => {
  it("holds every partition a function's manifest grants it", () => {
    // Prepare
    const known: readonly string[] = Object.values(PARTITIONS);

    // Assess
    for (const name of FUNCTIONS)
      for (const key of manifestOf(name).stateKeys) expect(known, `${name} grants ${key}`).toContain(key);
  });
});
