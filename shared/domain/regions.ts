/**
 * The names of AWS regions: every region of every partition the SDK's endpoint data lists
 * (@aws-sdk/core, util-endpoints partitions.js: each partition's `regions` that match its
 * `regionRegex`, not the `aws-global` pseudo-regions). test/unit/domain/regions.test.ts holds
 * this list to the SDK's data, so an SDK upgrade that adds a region fails until it is copied
 * here. A name not listed is refused with the nearest listed one: a typo (`eu-wset-1`) would
 * otherwise fail later, at the first call, as InvalidClientTokenId or a DNS error.
 */
import { echo } from '../runtime/echo.js';

export const AWS_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-east-2',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-isoe-west-1',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eusc-de-east-1',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'me-west-1',
  'mx-central-1',
  'sa-east-1',
  'sa-west-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-iso-east-1',
  'us-iso-west-1',
  'us-isob-east-1',
  'us-isob-west-1',
  'us-isof-east-1',
  'us-isof-south-1',
  'us-west-1',
  'us-west-2',
];

const KNOWN: ReadonlySet<string> = new Set(AWS_REGIONS);

/** How many single-character edits turn `a` into `b` (Levenshtein). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A name further than this from every region gets no suggestion: it is no typo of one. */
const MAX_SUGGESTION_EDITS = 4;

/** The listed region nearest to `name`, when one is a likely typo of it. */
function nearestRegion(name: string): string | undefined {
  // A long value is no typo of a region: no quadratic work on it.
  if (name.length > 40) return undefined;
  let best: { region: string; edits: number } | undefined;
  for (const region of AWS_REGIONS) {
    const edits = editDistance(name.toLowerCase(), region);
    if (best === undefined || edits < best.edits) best = { region, edits };
  }
  return best !== undefined && best.edits <= MAX_SUGGESTION_EDITS ? best.region : undefined;
}

/**
 * Why `name` is not an AWS region, with the nearest one when it looks like a typo; undefined
 * when it is one.
 *
 * @example
 * regionProblem('eu-wset-1'); // 'eu-wset-1 is not a region; did you mean eu-west-1?'
 * regionProblem('eu-isoe-west-1'); // undefined
 */
export function regionProblem(name: string): string | undefined {
  if (KNOWN.has(name)) return undefined;
  const shown = /^[a-z0-9-]{1,40}$/.test(name) ? name : echo(name);
  const nearest = nearestRegion(name);
  return nearest === undefined
    ? `${shown} is not a region (expected one such as us-east-1 or eu-west-1)`
    : `${shown} is not a region; did you mean ${nearest}?`;
}
