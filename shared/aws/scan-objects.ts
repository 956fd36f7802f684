/**
 * The deployment's scan bucket (SCAN_BUCKET): what an organisation scan hands its Distributed
 * Map through S3 instead of the execution state (the targets as JSON Lines, the accounts that
 * failed or were skipped while listing), and the Map's ResultWriter files read back.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { MiddlewareStack } from '@smithy/types';
import { type AwsClientOptions, clientConfig } from './clients.js';
import { AwsCallError, awsCall } from './errors.js';
import { nameEndpointOnNetworkErrors } from './mutation.js';

/**
 * Objects of one bucket, written and read as JSON. An explicit endpoint (the sandbox, an
 * S3-compatible server) is addressed path-style: `<bucket>.127.0.0.1` resolves nowhere.
 *
 * @example
 * const objects = new ScanObjects('guardrails-prod-scans', { region: 'eu-west-1' });
 * await objects.putLines('runs/1/targets.jsonl', [{ account: '111111111111', regions: ['eu-west-1'] }]);
 */
/**
 * Attempts per call, at least (the deployment's AWS_MAX_ATTEMPTS when higher): every object is the run's own (a read after its write, a put of a whole
 * object), so retrying a throttled or failed call is safe, and a Summarize that gave up after
 * every target was scanned would lose the run's summary for a passing fault.
 */
const SCAN_OBJECT_ATTEMPTS = 10;

export class ScanObjects {
  readonly #s3: S3Client;

  constructor(
    readonly bucket: string,
    options: AwsClientOptions = {},
  ) {
    this.#s3 = new S3Client({
      ...clientConfig({ ...options, maxAttempts: Math.max(options.maxAttempts ?? 0, SCAN_OBJECT_ATTEMPTS) }),
      forcePathStyle: options.endpoint !== undefined,
    });
    nameEndpointOnNetworkErrors(this.#s3.middlewareStack as unknown as MiddlewareStack<object, object>);
  }

  /** Write `values` as JSON Lines (one value a line, `\n` after each): ItemReader's `JSONL`. */
  async putLines(key: string, values: readonly unknown[]): Promise<void> {
    const body = values.map((value) => `${JSON.stringify(value)}\n`).join('');
    await this.#put(key, body, 'application/x-ndjson');
  }

  /** Write `value` as one JSON document. */
  async putJson(key: string, value: unknown): Promise<void> {
    await this.#put(key, JSON.stringify(value), 'application/json');
  }

  /** The JSON document at `key` of `bucket` (this bucket unless named: a manifest names its own). */
  async getJson(key: string, bucket = this.bucket): Promise<unknown> {
    const call = `S3 GetObject s3://${bucket}/${key}`;
    const text = await awsCall(call, async () => {
      const { Body } = await this.#s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (Body === undefined) throw new Error('the answer has no body');
      return Body.transformToString('utf8');
    });
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new AwsCallError(call, new Error(`the object is not JSON: ${(error as Error).message}`));
    }
  }

  async #put(key: string, body: string, contentType: string): Promise<void> {
    await awsCall(`S3 PutObject s3://${this.bucket}/${key}`, () =>
      this.#s3.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
      ),
    );
  }
}
