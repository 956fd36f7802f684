import { describe, expect, it } from 'vitest';
import { findingTable, REASON_ROOM, wrap } from '../../../cli/formats/finding-table.js';
import { terminalColumns } from '../../../cli/main.js';

const HEADER = ['resourceType', 'resourceId', 'rule', 'status', 'observed', 'reason'];
const LONG_REASON =
  'StorageEncryptionType sse-kms with key 1234abcd-12ab-34cd-56ef-1234567890ab is not one of the keys the policy allows for this group';
const ROWS = [
  ['replication-group', 'orders', 'encrypted-at-rest', 'violation', 'sse-kms (arn:aws:kms:…)', LONG_REASON],
  ['serverless-cache', 'cart', 'kms-only', 'compliant', 'sse-elasticache', 'allowed'],
];

const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('Function: wrap', () => {
  it('breaks between words, and inside a word longer than a line', () => {
    expect(wrap('EffectiveDurability is async', 12)).toEqual(['EffectiveDur', 'ability is', 'async']);
    expect(wrap('a b c', 80)).toEqual(['a b c']);
    expect(wrap('ab', 0)).toEqual(['a', 'b']);
  });
});

describe('Function: findingTable', () => {
  it('keeps every column in full without a width (piped)', () => {
    const text = findingTable(HEADER, ROWS);

    expect(text.split('\n')[1]).toContain('replication-group');
    expect(text.split('\n')[1]).toContain(LONG_REASON);
  });

  it('still shows every reason in a terminal that reports almost no width', () => {
    expect(findingTable(HEADER, ROWS, 3).replace(/\s+/g, '')).toContain(LONG_REASON.replaceAll(' ', ''));
  });

  it.each([60, 80, 120, 200])('fits %i columns and keeps the reason whole', (width) => {
    const text = findingTable(HEADER, ROWS, width);

    expect(text.split('\n').filter((line) => line.length > width)).toEqual([]);
    expect(flat(text)).toContain(flat(LONG_REASON));
    expect(text).not.toContain('replication-group');
  });

  it(`sets the reason beside the cells when it has ${REASON_ROOM} characters there`, () => {
    const lines = findingTable(HEADER, ROWS, 120).split('\n');

    expect(lines[0]).toMatch(/^type\s+resourceId\s+rule\s+status\s+observed\s+reason$/);
    expect(lines[1]).toMatch(/^group\s+orders\s+.*StorageEncryptionType/);
  });

  it('says a column the same on every row once above the table', () => {
    const same = ROWS.map((row) => row.map((cell, column) => (column === 3 ? 'violation' : cell)));

    const lines = findingTable(HEADER, same, 80).split('\n');

    expect(lines[0]).toBe('every row: status violation');
    expect(lines[1]).not.toContain('status');
  });
});

describe('Function: terminalColumns', () => {
  it('takes COLUMNS when it is a positive whole number, else the terminal', () => {
    expect(terminalColumns('120', 80)).toBe(120);
    expect(terminalColumns('0', 80)).toBe(80);
    expect(terminalColumns('wide', 80)).toBe(80);
    expect(terminalColumns(undefined, undefined)).toBeUndefined();
  });
});
