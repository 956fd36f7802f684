/**
 * What reaches people besides the alarms on functions and queues: new violations of every check
 * without an alert of its own (an EventBridge rule to the alert topic, with the topic policy that
 * lets it publish), the alarm on a scan that evaluated nothing, and the one on a scan with no targets.
 */
const { require: requireTypeScript } = require('tsx/cjs/api');

/**
 * New violations of the checks without an alert of their own (checksAlertedByEvent in the
 * registry: a new check is alerted with no change here) reach the alert topic: an EventBridge
 * rule on `Guardrails Policy Violation`, allowed to publish by the topic's policy, which keeps
 * the account's own access and the CloudWatch alarms'. The rule takes only the events this
 * deployment emitted: its own source and its own account. The default bus also takes the
 * organisation's events (infra/event-bus.cjs), and any principal there may put one with our
 * source and detail-type; EventBridge sets `account` to the sender's, which it cannot forge.
 */
function violationAlerts() {
  const checks = requireTypeScript('../shared/domain/checks/registry.ts', __filename).checksAlertedByEvent();
  const finding = (field) => `$.detail.finding.${field}`;
  return {
    ViolationAlertsRule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: 'New policy violations to the alert topic',
        EventPattern: {
          source: ['elasticache-guardrails'],
          account: [{ Ref: 'AWS::AccountId' }],
          'detail-type': ['Guardrails Policy Violation'],
          detail: { finding: { check: checks } },
        },
        Targets: [
          {
            Id: 'alert-topic',
            Arn: { Ref: 'AlertTopic' },
            InputTransformer: {
              InputPathsMap: {
                severity: '$.detail.severity',
                check: finding('check'),
                resource: finding('resourceId'),
                rule: finding('rule'),
                reason: finding('reason'),
              },
              InputTemplate: '"[<severity>] <check> violation on <resource> (rule <rule>): <reason>"',
            },
          },
        ],
      },
    },
    AlertTopicPolicy: {
      Type: 'AWS::SNS::TopicPolicy',
      Properties: {
        Topics: [{ Ref: 'AlertTopic' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AccountOwner',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
              Action: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes'],
              Resource: { Ref: 'AlertTopic' },
            },
            {
              Sid: 'CloudWatchAlarms',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: 'AlertTopic' },
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
            {
              Sid: 'ViolationAlertsRule',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: { Ref: 'AlertTopic' },
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['ViolationAlertsRule', 'Arn'] } } },
            },
          ],
        },
      },
    },
  };
}

/** A durability scan whose every finding was unknown evaluated nothing (fields missing from the API). */
function nothingEvaluatedAlarm(alarmActions, namespace) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription:
        'A durability scan evaluated nothing: every finding unknown (fields missing from the API)',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 100,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...alarmActions,
      Namespace: namespace,
      MetricName: 'UnknownShare',
      Dimensions: [
        { Name: 'run', Value: 'target-scan' },
        { Name: 'service', Value: 'elasticache-guardrails' },
      ],
      Statistic: 'Minimum',
      Period: 3600,
    },
  };
}

/** An organisation scan that listed no target (all excluded, its OUs empty): a warning, not a clean run. */
function noTargetsAlarm(alarmActions, namespace) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription:
        'An organisation scan listed no targets (every account excluded, its OUs empty or unlistable): nothing was scanned',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      // No scan at all is the schedule's or the state machine's failure, alarmed on there.
      TreatMissingData: 'notBreaching',
      ...alarmActions,
      Namespace: namespace,
      MetricName: 'Targets',
      Dimensions: [
        { Name: 'run', Value: 'org-scan' },
        { Name: 'service', Value: 'elasticache-guardrails' },
      ],
      Statistic: 'Minimum',
      Period: 3600,
    },
  };
}

module.exports = { noTargetsAlarm, nothingEvaluatedAlarm, violationAlerts };
