/**
 * DescribeEvents over the store's append-only event log (every family emits through
 * `EmulatorState.event`), newest first, filtered and paged as the API does.
 */
import { decodeMarker, encodeMarker, int, oneOf, text, timestamp } from './params.js';
import type { Params } from './protocol.js';
import { QueryFault } from './protocol.js';
import type { EmulatorState, EventRecord, Handler } from './state.js';

/** The API's SourceType enum (SDK model and the Event reference page): no `snapshot`. */
const SOURCE_TYPES = [
  'cache-cluster',
  'cache-parameter-group',
  'cache-security-group',
  'cache-subnet-group',
  'replication-group',
  'serverless-cache',
  'serverless-cache-snapshot',
  'user',
  'user-group',
] as const;

/** Where a page starts: the log position after the last event served (the whole log at first). */
function startPosition(store: EmulatorState, params: Params): number {
  const markerText = text(params, 'Marker');
  // The marker is the position in the append-only log of the last event served, so events
  // that arrive between pages (newer, hence further along the log) never shift the next page.
  const position = markerText === undefined ? undefined : decodeMarker('event', markerText, 'Marker');
  const before = position === undefined ? store.events.length : Number(position);
  if (position !== undefined && (!/^\d+$/.test(position) || before > store.events.length)) {
    throw new QueryFault('InvalidParameterValue', `Invalid value for Marker: ${markerText}`);
  }
  return before;
}

function describeEvents(store: EmulatorState, params: Params) {
  const size = int(params, 'MaxRecords', 20, 100) ?? 100;
  const sourceId = text(params, 'SourceIdentifier');
  const sourceType = oneOf(params, 'SourceType', SOURCE_TYPES);
  const now = store.clock.now();
  const duration = int(params, 'Duration', 0, 20160);
  const start = timestamp(params, 'StartTime') ?? now - (duration ?? 60) * 60_000;
  const end = timestamp(params, 'EndTime') ?? now;
  const before = startPosition(store, params);
  const wanted = (event: EventRecord | undefined): event is EventRecord =>
    event !== undefined &&
    (sourceId === undefined || event.SourceIdentifier === sourceId) &&
    (sourceType === undefined || event.SourceType === sourceType) &&
    event.Date.getTime() >= start &&
    event.Date.getTime() <= end;
  const slice: EventRecord[] = [];
  let lastServed = before;
  let more = false;
  for (let index = before - 1; index >= 0; index -= 1) {
    const event = store.events[index];
    if (!wanted(event)) continue;
    if (slice.length === size) {
      more = true;
      break;
    }
    slice.push(event);
    lastServed = index;
  }
  return { Events: slice, Marker: more ? encodeMarker('event', String(lastServed)) : undefined };
}

export const eventActions: Record<string, Handler> = {
  DescribeEvents: describeEvents,
};
