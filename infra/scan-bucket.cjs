/**
 * The scan bucket: where the organisation scan hands its Distributed Map the targets
 * (runs/<execution>/targets.jsonl, ItemReader) and where the Map writes every child's result
 * (runs/<execution>/results/, ResultWriter). Its name is CloudFormation's: the functions
 * (SCAN_BUCKET) and the state machine's role have it by reference.
 */

/** Days a run's objects are kept: long enough to look at the last runs, short enough to stay small. */
const RUN_RETENTION_DAYS = 3;

/** The bucket and its policy, for the stack's resources. */
function scanBucket() {
  const arn = { 'Fn::GetAtt': ['ScanBucket', 'Arn'] };
  return {
    ScanBucket: {
      Type: 'AWS::S3::Bucket',
      // Kept on stack removal, as the state table: a bucket that still holds objects cannot be
      // deleted, and the lifecycle rule empties it within RUN_RETENTION_DAYS.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        // SSE-S3: the objects hold account ids, regions and counts, no secret; a KMS key would
        // also need granting to Step Functions for ItemReader and ResultWriter.
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        // ACLs off: every object is the bucket owner's, whoever wrote it.
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'expire-scan-runs',
              Status: 'Enabled',
              Prefix: 'runs/',
              ExpirationInDays: RUN_RETENTION_DAYS,
              // A ResultWriter upload cut short leaves parts behind.
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            },
          ],
        },
      },
    },
    ScanBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'ScanBucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'TlsOnly',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [arn, { 'Fn::Sub': '${ScanBucket.Arn}/*' }],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        },
      },
    },
  };
}

module.exports = { scanBucket, RUN_RETENTION_DAYS };
