/**
 * State stores that stage the runs' worst cases against the real table: a run that dies right
 * after its lease is written, and runs that all decide before any of them writes.
 */
import { STATE_TABLE } from '../../infra/local/dynamo.js';
import { StateStore } from '../../shared/aws/state-store.js';
import { REGION } from './harness.js';

/** A run that dies (its Lambda times out) right after its lease is written. */
export class DyingStore extends StateStore {
  constructor(endpoint: string) {
    super(STATE_TABLE, { endpoint, region: REGION });
  }

  override async acquireLease(...args: Parameters<StateStore['acquireLease']>): Promise<boolean> {
    const taken = await super.acquireLease(...args);
    if (taken) throw new Error('Task timed out after 900.00 seconds');
    return taken;
  }
}

/**
 * The worst interleaving of runs acting on one lease at once: no run's first `held` write
 * goes through before every one of them has read the lease and decided to make it.
 */
export class RaceStore extends StateStore {
  readonly #waiting: (() => void)[] = [];
  readonly #runs: number;
  readonly #held: 'releaseLease' | 'updateLease';

  constructor(runs: number, held: 'releaseLease' | 'updateLease', endpoint: string) {
    super(STATE_TABLE, { endpoint, region: REGION });
    this.#runs = runs;
    this.#held = held;
  }

  #meet(method: 'releaseLease' | 'updateLease'): Promise<void> {
    // Only the first write of each run meets; later ones (after the race) go through.
    if (method !== this.#held || this.#waiting.length >= this.#runs) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#waiting.push(resolve);
      if (this.#waiting.length === this.#runs) for (const release of this.#waiting) release();
    });
  }

  override async releaseLease(...args: Parameters<StateStore['releaseLease']>): Promise<boolean> {
    await this.#meet('releaseLease');
    return super.releaseLease(...args);
  }

  override async updateLease(...args: Parameters<StateStore['updateLease']>): Promise<boolean> {
    await this.#meet('updateLease');
    return super.updateLease(...args);
  }
}

/**
 * A run that dies (its Lambda times out) once `sent()` says its request reached the service:
 * every use of the state table from then on fails, so nothing after the request is written.
 */
export function dyingAfter(store: StateStore, sent: () => boolean): StateStore {
  return new Proxy(store, {
    get(target, name) {
      if (sent()) throw new Error('Task timed out after 900.00 seconds');
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
