/**
 * What reaches people: the alert topic's policy, the one shape of every alarm of the stack (on
 * functions, queues, remediations and the scans' runs), and the alarms on the scans' runs. New
 * violations of every check without an alert of its own reach the topic through the
 * `violation-alert` function (its manifest's rule), which publishes with its own role, once per
 * event id.
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

/** Where the app's runs put their metrics (METRICS_NAMESPACE, shared/jobs/function-base.ts). */
const NAMESPACE = 'ElastiCacheGuardrails';
const ALARM_ACTIONS = { AlarmActions: [{ Ref: 'AlertTopic' }], OKActions: [{ Ref: 'AlertTopic' }] };

/**
 * An alarm to the alert topic (and its OK notice) on `metric`: by default it fires when the
 * metric is above 0 in one period; a period without data is no breach.
 *
 * @example
 * alarm('A durability remediation failed', { Metrics: [...] });
 * alarm('…', runMetric('org-scan', 'Targets', 'Minimum', 3600), { operator: 'LessThanThreshold', threshold: 1 });
 */
function alarm(description, metric, { operator = 'GreaterThanThreshold', threshold = 0, inARow = 1 } = {}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmDescription: description,
      ComparisonOperator: operator,
      Threshold: threshold,
      EvaluationPeriods: inARow,
      ...(inARow > 1 ? { DatapointsToAlarm: inARow } : {}),
      TreatMissingData: 'notBreaching',
      ...ALARM_ACTIONS,
      ...metric,
    },
  };
}

/** A metric one of the app's runs puts, under its `run` and the service's name. */
const runMetric = (run, metricName, statistic, period) => ({
  Namespace: NAMESPACE,
  MetricName: metricName,
  Dimensions: [
    { Name: 'run', Value: run },
    { Name: 'service', Value: 'elasticache-guardrails' },
  ],
  Statistic: statistic,
  Period: period,
});

const RATE_UNITS = { minute: 60, hour: 3600, day: 86_400 };

/**
 * Seconds between two runs of the schedule `scanRate`: `rate(N unit)`'s; a `cron(…)` has no one
 * period, so a day (two days in a row with an overlap). CloudWatch takes at most 7 days of
 * evaluation (1 day below an hour's period: PutMetricAlarm's Period): two periods must fit.
 */
function schedulePeriod(scanRate) {
  if (/^cron\(.+\)$/.test(scanRate)) return RATE_UNITS.day;
  const rate = scanRate.match(/^rate\((\d+) (minute|hour|day)s?\)$/);
  const seconds = rate === null ? Number.NaN : Number(rate[1]) * RATE_UNITS[rate[2]];
  if (!(seconds > 0) || 2 * seconds > (seconds < 3600 ? 86_400 : 604_800))
    throw new Error(
      `the scanRate parameter takes rate(N minutes|hours|days) of at most 3.5 days, or cron(…), got "${scanRate}"`,
    );
  return seconds;
}

/**
 * The alarms on what the scans' runs measure: a durability scan whose every finding was unknown
 * evaluated nothing (fields missing from the API); an organisation scan that listed no target
 * (all excluded, its OUs empty) is a warning, not a clean run; two organisation scans in a row
 * that found the one before still running (OverlappingRuns, shared/jobs/org-scan-run.ts) mean
 * the scan lasts longer than the schedule's period (one is a late run and not a fault).
 */
function runAlarms(scanRate) {
  return {
    NothingEvaluatedAlarm: alarm(
      'A durability scan evaluated nothing: every finding unknown (fields missing from the API)',
      runMetric('target-scan', 'UnknownShare', 'Minimum', 3600),
      { operator: 'GreaterThanOrEqualToThreshold', threshold: 100 },
    ),
    // No scan at all is the schedule's or the state machine's failure, alarmed on there.
    NoTargetsAlarm: alarm(
      'An organisation scan listed no targets (every account excluded, its OUs empty or unlistable): nothing was scanned',
      runMetric('org-scan', 'Targets', 'Minimum', 3600),
      { operator: 'LessThanThreshold', threshold: 1 },
    ),
    // Every run that starts leaves a data point (0 or 1); a period without one is no overlap.
    OverlappingRunsAlarm: alarm(
      'Two organisation scans in a row found the one before still running and scanned nothing (AlreadyRunning): a scan outlasts the schedule period (raise scanRate or scanConcurrency)',
      runMetric('org-scan', 'OverlappingRuns', 'Maximum', schedulePeriod(scanRate)),
      { operator: 'GreaterThanOrEqualToThreshold', threshold: 1, inARow: 2 },
    ),
  };
}

module.exports = { NAMESPACE, alarm, alertTopicPolicy, runAlarms };
