/**
 * How every call enters the emulator, whatever its protocol: it is logged (the request log
 * tests and benchmarks count), waits its injected latency, and is told what turns it away
 * (a refused key or region, an injected fault) before any service sees it.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Caller } from './accounts.js';
import type { LoggedRequest, PickedFault } from './faults.js';
import { type Parts, type Protocol, refusalFault, refusalOf } from './identity.js';
import type { QueryFault } from './protocol.js';

/** The services whose answers depend on the caller's account and region (the others are central outputs). */
const PAIR_SERVICES = new Set(['elasticache', 'tagging', 'cloudwatch']);

/** One API call as it arrives: who made it, to which service, in which protocol. */
export interface Call {
  request: IncomingMessage;
  caller: Caller;
  service: string;
  action: string;
  params: unknown;
  protocol: Protocol;
}

export interface Intake {
  entry: LoggedRequest;
  /** Turned away before the service: expired or invalid credentials, a region not enabled. */
  refusal?: QueryFault;
  injected?: PickedFault;
}

/** Log the call, wait its injected latency, and say what turns it away, if anything. */
export async function intake(parts: Parts, call: Call, throttleCode: string): Promise<Intake> {
  const { clock, faults } = parts;
  const { caller, service, action } = call;
  const refused = refusalOf(call.request, caller, parts, PAIR_SERVICES.has(service));
  const refusal = refused === undefined ? undefined : refusalFault(refused, call.protocol);
  const injected = refusal === undefined ? faults.pick(action, throttleCode) : undefined;
  const entry: LoggedRequest = {
    action,
    service,
    account: caller.account,
    region: caller.region,
    accessKeyId: caller.accessKeyId,
    params: call.params,
    time: new Date(clock.now()).toISOString(),
    arrivedMs: performance.now(),
    fault: refusal?.code ?? injected?.code,
    injected: injected !== undefined && (call.protocol !== 'query' || !injected.applied),
  };
  faults.log.push(entry);
  const latency = faults.latencyFor(action);
  if (latency > 0) await sleep(latency);
  return { entry, refusal, injected };
}
