/** `guardrails snapshot create|list|cleanup`: this app's tagged snapshots. */
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { createFleetClients } from '../../shared/aws/clients.js';
import { createSnapshot, listOurSnapshots } from '../../shared/aws/snapshots.js';
import { snapshotName } from '../../shared/domain/snapshot-name.js';
import { DEFAULT_RETENTION_DAYS, SNAPSHOT_RETENTION_DAYS } from '../../shared/domain/snapshot-retention.js';
import { cleanupSnapshots } from '../../shared/jobs/snapshots.js';
import { decimalFlag, GROUP_ARGUMENT, parseGroupId, parseReason } from '../arguments.js';
import { type CliIo, EXIT, emitOutput, emitResult, type OutputFlags, withOutput } from '../io.js';
import { type AwsFlags, awsOptions, stateStoreOf, tableOf, withAws, withTable } from '../options.js';
import type { CommandContext } from './context.js';

async function create(
  group: string,
  flags: AwsFlags & OutputFlags & { reason: string },
  io: CliIo,
  now: CommandContext['now'],
) {
  const record = await createSnapshot(
    createFleetClients(awsOptions(flags)).elasticache,
    group,
    snapshotName(group, await now(awsOptions(flags))),
    flags.reason,
  );
  const row = { name: record.name, replicationGroupId: group, status: record.status };
  const text = `${record.name} ${record.status}\n`;
  await emitResult({ text, rows: [row], columns: Object.keys(row) }, flags, io);
  return EXIT.compliant;
}

const LIST_COLUMNS = ['name', 'replicationGroupId', 'status', 'durability', 'size', 'createdAt'];

async function list(flags: AwsFlags & OutputFlags, io: CliIo) {
  const clients = createFleetClients(awsOptions(flags));
  const records = await listOurSnapshots(clients.elasticache, clients.tagging);
  const rows = records.map((record) => ({
    name: record.name,
    replicationGroupId: record.replicationGroupId ?? '',
    status: record.status,
    durability: record.durability ?? '',
    size: record.size ?? '',
    createdAt: record.createdAt ?? '',
  }));
  await emitOutput({ kind: 'rows', rows, columns: LIST_COLUMNS }, flags, io);
  return EXIT.compliant;
}

type CleanupFlags = AwsFlags & OutputFlags & { retentionDays?: number; apply?: boolean; table?: string };

/** `--retention-days`, within the policy's bounds of `snapshotRetentionDays`. */
const parseRetentionDays = decimalFlag('--retention-days', { ...SNAPSHOT_RETENTION_DAYS, unit: 'days' });

async function cleanup(flags: CleanupFlags, io: CliIo, now: CommandContext['now']) {
  const days = flags.retentionDays ?? DEFAULT_RETENTION_DAYS;
  // With the state table, snapshots that a migration or durability change in flight names are kept.
  const table = tableOf(flags);
  const store = table === undefined ? undefined : stateStoreOf(flags, table);
  if (store === undefined && flags.apply === true)
    io.stderr(
      'guardrails: no --table or STATE_TABLE: snapshots of changes in flight are not known, only the newest available of each group is kept\n',
    );
  const report = await cleanupSnapshots(createFleetClients(awsOptions(flags)), {
    retentionDays: days,
    dryRun: flags.apply !== true,
    now: await now(awsOptions(flags)),
    store,
  });
  const rows = [
    ...report.deleted.map((name) => ({ name, action: 'deleted', reason: '' })),
    ...report.wouldDelete.map((name) => ({ name, action: 'would-delete', reason: 'run with --apply' })),
    ...report.kept.map((kept) => ({ name: kept.name, action: 'kept', reason: kept.reason })),
  ];
  const text = rows
    .map((row) =>
      row.action === 'deleted'
        ? `deleted ${row.name}\n`
        : row.action === 'kept'
          ? `kept ${row.name}: ${row.reason}\n`
          : `would delete ${row.name} (run with --apply)\n`,
    )
    .join('');
  await emitResult({ text, rows, columns: ['name', 'action', 'reason'] }, flags, io);
  return EXIT.compliant;
}

/** Adds `snapshot create|list|cleanup` to `parent`. */
export function addSnapshot(parent: CommandUnknownOpts, context: CommandContext): void {
  const snapshot = parent.command('snapshot').description("This app's tagged snapshots.");
  withOutput(withAws(snapshot.command('create')), 'rows')
    .description('Snapshot a replication group now, tagged as ours (expired by `snapshot cleanup`).')
    .argument(...GROUP_ARGUMENT, parseGroupId)
    .option('--reason <text>', 'why (the guardrails:reason tag)', parseReason, 'manual')
    .action(async (group, flags) => {
      context.exit.code = await create(group, flags, context.io, context.now);
    });
  withOutput(withAws(snapshot.command('list')), 'rows')
    .description('Our snapshots with their Durability and size.')
    .action(async (flags) => {
      context.exit.code = await list(flags, context.io);
    });
  withTable(withOutput(withAws(snapshot.command('cleanup')), 'rows'))
    .description(
      "Delete our snapshots past the retention (never a group's newest); a dry run unless --apply.",
    )
    .option('--retention-days <days>', 'keep snapshots younger than this (default 14)', parseRetentionDays)
    .option('--apply', 'delete (default: only show what would be deleted)')
    .action(async (flags) => {
      context.exit.code = await cleanup(flags, context.io, context.now);
    });
}
