/**
 * Fault and latency injection, and the request log tests and benchmarks read to count
 * calls. Randomness is seeded, so a run with the same seed fails the same calls.
 */

export interface FaultSettings {
  /** Added delay per action (ms); `*` applies to every action. */
  latencyMs?: Record<string, number>;
  /** Share of calls answered with a throttling error (0..1). */
  throttleRate?: number;
  /** Per action, a share of its calls answered with a throttling error, in place of `throttleRate`. */
  throttleRates?: Record<string, number>;
  /** Share of calls answered with a 5xx error (0..1). */
  serverErrorRate?: number;
  seed?: number;
}

export interface ScriptedFault {
  action: string;
  code: string;
  message?: string;
  status?: number;
  /** How many of the next calls of that action fail. */
  times: number;
  /**
   * A lost answer: the action takes effect, then the fault is answered instead of the
   * result (status 0: the connection is closed with no answer at all).
   */
  applied?: boolean;
}

/** The fault picked for one call. */
export interface PickedFault {
  code: string;
  message: string;
  status: number;
  applied: boolean;
}

export interface LoggedRequest {
  action: string;
  /** elasticache, tagging, sts, organizations, account, securityhub, sns, events, cloudwatch, sqs, stepfunctions. */
  service: string;
  /** The account and region the call acted in (from its SigV4 credentials and signing region). */
  account: string;
  region: string;
  /** The access key id it was signed with (never the secret or the session token); unset when unsigned. */
  accessKeyId?: string;
  params: unknown;
  time: string;
  /** `performance.now()` when the request arrived: real time, for latency measurements. */
  arrivedMs: number;
  /** The error code answered, when the call failed. */
  fault?: string;
  /**
   * The fault was injected before the model saw the call (throttling, 5xx): like a request
   * AWS turned away at the door, it changed nothing. Refusals by the model itself, and lost
   * answers of applied calls, are not `injected`.
   */
  injected?: boolean;
}

/** mulberry32: small, fast, and good enough to spread injected faults evenly. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  settings: Required<Omit<FaultSettings, 'seed'>> = {
    latencyMs: {},
    throttleRate: 0,
    throttleRates: {},
    serverErrorRate: 0,
  };
  readonly log: LoggedRequest[] = [];
  #scripted: ScriptedFault[] = [];
  #random = seeded(1);

  configure(settings: FaultSettings): void {
    this.settings = {
      latencyMs: settings.latencyMs ?? this.settings.latencyMs,
      throttleRate: settings.throttleRate ?? this.settings.throttleRate,
      throttleRates: settings.throttleRates ?? this.settings.throttleRates,
      serverErrorRate: settings.serverErrorRate ?? this.settings.serverErrorRate,
    };
    if (settings.seed !== undefined) this.#random = seeded(settings.seed);
  }

  /** Fail the next `times` calls of `action` with `code`. */
  failNext(fault: ScriptedFault): void {
    this.#scripted.push({ ...fault });
  }

  reset(): void {
    this.settings = { latencyMs: {}, throttleRate: 0, throttleRates: {}, serverErrorRate: 0 };
    this.#scripted = [];
    this.log.length = 0;
  }

  latencyFor(action: string): number {
    return this.settings.latencyMs[action] ?? this.settings.latencyMs['*'] ?? 0;
  }

  /** The fault to answer this call with, if any; `throttleCode` differs by protocol. */
  pick(action: string, throttleCode: string): PickedFault | undefined {
    const scripted = this.#scripted.find((fault) => fault.action === action && fault.times > 0);
    if (scripted !== undefined) {
      scripted.times -= 1;
      return {
        code: scripted.code,
        message: scripted.message ?? `injected ${scripted.code}`,
        status: scripted.status ?? 400,
        applied: scripted.applied === true,
      };
    }
    const roll = this.#random();
    const throttleRate = this.settings.throttleRates[action] ?? this.settings.throttleRate;
    if (roll < throttleRate)
      return { code: throttleCode, message: 'Rate exceeded', status: 400, applied: false };
    if (roll < throttleRate + this.settings.serverErrorRate) {
      return {
        code: 'ServiceUnavailable',
        message: 'Service is unavailable (injected)',
        status: 503,
        applied: false,
      };
    }
    return undefined;
  }

  /**
   * How many calls of an action reached the emulator, refused ones included: a guard that
   * lets a duplicate through shows here even when the duplicate was refused. With
   * `answeredOnly`, just the calls answered without a fault.
   */
  count(action: string, answeredOnly = false): number {
    return this.log.filter((entry) => entry.action === action && (!answeredOnly || entry.fault === undefined))
      .length;
  }
}
