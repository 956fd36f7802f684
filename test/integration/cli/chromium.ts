/** Headless Chromium for the HTML report's tests: found on PATH, run offline on its own profile. */
import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The Chromium binary on PATH; undefined where there is none (the tests skip). */
export const CHROMIUM = ['chromium', 'chromium-browser'].find(
  (binary) => spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0,
);

/** Headless Chromium, offline, on a profile in `dir`; its stdout. */
export async function chromium(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(
    CHROMIUM ?? 'chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, 'profile')}`,
      '--window-size=1000,900',
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** Each findings row of a DOM dump: its status, whether hidden, its text. */
export function rowsOf(dom: string): { status: string; hidden: boolean; text: string }[] {
  return [...dom.matchAll(/<tr data-status="(\w+)"([^>]*)>(.*?)<\/tr>/gs)].map(
    ([, status, attributes, cells]) => ({
      status: status ?? '',
      hidden: /\bhidden\b/.test(attributes ?? ''),
      text: (cells ?? '').replace(/<[^>]+>/g, ' '),
    }),
  );
}

/** A group of a DOM dump: its name, whether hidden or open, its heading's text, its findings rows. */
export interface DomGroup {
  name: string;
  hidden: boolean;
  open: boolean;
  heading: string;
  rows: ReturnType<typeof rowsOf>;
}

const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();

function groupsIn(html: string, kind: 'account' | 'region'): DomGroup[] {
  const name = kind === 'account' ? 'data-account' : 'data-region';
  return html
    .split(`<details class="${kind}"`)
    .slice(1)
    .map((chunk) => {
      const attributes = chunk.slice(0, chunk.indexOf('>'));
      return {
        name: new RegExp(`${name}="([^"]*)"`).exec(attributes)?.[1] ?? '',
        hidden: /\bhidden\b/.test(attributes),
        open: /\bopen\b/.test(attributes),
        heading: textOf(/<summary>(.*?)<\/summary>/s.exec(chunk)?.[1] ?? ''),
        rows: rowsOf(chunk),
      };
    });
}

/** The account groups of a DOM dump, in page order, each with its region groups. */
export function accountGroupsOf(dom: string): (DomGroup & { regions: DomGroup[] })[] {
  return dom
    .split('<details class="account"')
    .slice(1)
    .map((chunk) => {
      const [account] = groupsIn(`<details class="account"${chunk}`, 'account');
      if (account === undefined) throw new Error('no account group');
      return { ...account, regions: groupsIn(chunk, 'region') };
    });
}

/** The rows of the accounts summary table: account, then its cells' text. */
export function accountsTableOf(dom: string): string[][] {
  const table = /<table id="accounts">(.*?)<\/table>/s.exec(dom)?.[1] ?? '';
  const body = table.slice(table.indexOf('<tbody>'));
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map(([, cells]) =>
    [...(cells ?? '').matchAll(/<td[^>]*>(.*?)<\/td>/gs)].map(([, cell]) => textOf(cell ?? '')),
  );
}
