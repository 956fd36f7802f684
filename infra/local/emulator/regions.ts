/**
 * The Account API's `ListRegions` (REST-JSON `POST /listRegions`): which regions an account has
 * enabled.
 */
import { CENTRAL_ACCOUNT } from './accounts.js';
import type { RestRoute } from './identity.js';
import { page } from './organizations.js';
import { QueryFault } from './protocol.js';

/** Opt-in regions the sandbox never serves: listed DISABLED, as an account that never enabled them. */
const UNSERVED_OPT_IN = ['af-south-1', 'ap-east-1', 'eu-south-1', 'me-south-1'];
/** Regions enabled in every account (introduced before 20 March 2019); others are opt-in. */
const ENABLED_BY_DEFAULT = new Set(
  'us-east-1 us-east-2 us-west-1 us-west-2 ca-central-1 sa-east-1 eu-west-1 eu-west-2 eu-west-3 eu-central-1 eu-north-1 ap-south-1 ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-southeast-1 ap-southeast-2'.split(
    ' ',
  ),
);
const OPT_STATUSES = ['ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'];

/**
 * Account `ListRegions` for the caller's account (or `AccountId`, which only the central
 * account may name): served regions ENABLED_BY_DEFAULT or ENABLED, disabled ones DISABLED.
 */
export const listRegions: RestRoute = ({ accounts }, caller, input) => {
  const account = typeof input.AccountId === 'string' ? input.AccountId : caller.account;
  if (
    account !== caller.account &&
    (caller.account !== CENTRAL_ACCOUNT || !accounts.accounts.includes(account))
  )
    throw new QueryFault('AccessDeniedException', `You don't have access to account ${account}.`, 403);
  const wanted = input.RegionOptStatusContains ?? OPT_STATUSES;
  if (!Array.isArray(wanted) || wanted.some((status) => !OPT_STATUSES.includes(status)))
    throw new QueryFault(
      'ValidationException',
      `RegionOptStatusContains must list values of ${OPT_STATUSES.join(', ')}`,
      400,
    );
  const statusOf = (region: string): string => {
    if (!accounts.regions.includes(region) || !accounts.answers(account, region)) return 'DISABLED';
    return ENABLED_BY_DEFAULT.has(region) ? 'ENABLED_BY_DEFAULT' : 'ENABLED';
  };
  const regions = [...new Set([...accounts.regions, ...UNSERVED_OPT_IN])]
    .sort()
    .map((region) => ({ RegionName: region, RegionOptStatus: statusOf(region) }))
    .filter((region) => wanted.includes(region.RegionOptStatus));
  const { items, NextToken } = page(regions, input, 50, 'ValidationException');
  return { Regions: items, NextToken };
};
