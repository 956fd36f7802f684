/**
 * What reaches people besides the alarms on functions and queues: new violations of every check
 * without an alert of its own (an EventBridge rule to the alert topic, with the topic policy that
 * lets it publish), and the alarm on a scan that evaluated nothing.
 */
const { require: requireTypeScript } = require('tsx/cjs/api');

/**
 * New violations of the checks without an alert of their own (checksAlertedByEvent in the
 * registry: a new check is alerted with no change here) reach the alert topic: an EventBridge
 * rule on `Guardrails Policy Violation`, allowed to publish by the topic's policy, which keeps
 * the account's own access and the CloudWatch alarms'.
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

module.exports = { nothingEvaluatedAlarm, violationAlerts };
