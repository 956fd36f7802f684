/**
 * Reactions across accounts, central side: each member account's forwarding rules
 * (infra/member-access.yaml) put its ElastiCache events onto this account's default event bus
 * in the deployment's region — the bus durability-react's and encryption-drift's rules listen
 * on (their patterns pin no `account`, so a member's event matches as the own account's does).
 * The bus accepts events:PutEvents from the organisation only; a deployment without an
 * organisation id (one account) gets no policy at all.
 */

/** The bus the reactions listen on: the deployment's default bus. */
const CENTRAL_BUS_ARN = {
  'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default',
};
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/**
 * The resource policy of the central bus, and the output a member stack takes as its
 * CentralEventBusArn, for `organizationId` (empty: none).
 */
function organizationEventBus({ service, stage, organizationId = '' }) {
  if (organizationId === '') return { Resources: {}, Outputs: {} };
  if (!ORGANIZATION_ID.test(organizationId))
    throw new Error(`organizationId must be an organisation id (o-…), got "${organizationId}"`);
  return {
    Resources: {
      OrganizationEventBusPolicy: {
        Type: 'AWS::Events::EventBusPolicy',
        Properties: {
          EventBusName: 'default',
          StatementId: `${service}-${stage}-organization`.slice(0, 64),
          Statement: {
            Effect: 'Allow',
            Principal: '*',
            Action: 'events:PutEvents',
            Resource: CENTRAL_BUS_ARN,
            Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
          },
        },
      },
    },
    Outputs: { CentralEventBusArn: { Value: CENTRAL_BUS_ARN } },
  };
}

module.exports = { organizationEventBus, CENTRAL_BUS_ARN };
