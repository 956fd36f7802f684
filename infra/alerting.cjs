/**
 * What reaches people besides the alarms on functions and queues: the alert topic's policy, the
 * alarm on a scan that evaluated nothing, and the one on a scan with no targets. New violations of
 * every check without an alert of its own reach the topic through the `violation-alert` function
 * (its manifest's rule), which publishes with its own role, once per event id.
 */

/**
 * The alert topic's policy: the account's own access (the functions publish with their roles)
 * and the CloudWatch alarms'.
 */
function alertTopicPolicy() {
  return {
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

module.exports = { alertTopicPolicy, noTargetsAlarm, nothingEvaluatedAlarm };
