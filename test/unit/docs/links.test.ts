/**
 * The README's contents list every section, and every relative link of the README and docs/
 * reaches a file of the repository and, with a `#fragment`, a heading of that page.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');
/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to dashes. */
const anchorOf = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- ]/gu, '')
    .replace(/ /g, '-');
const headings = (page: string) =>
  [
    ...read(page)
      .replace(/```[\s\S]*?```/g, '')
      .matchAll(/^#{1,6} (.+)$/gm),
  ].map(([, text]) => text as string);

describe('README.md and docs/', () => {
  it('lists every section of the README in its contents', () => {
    const readme = read('README.md');
    const contents = readme.slice(
      readme.indexOf('## Contents'),
      readme.indexOf('\n## ', readme.indexOf('## Contents') + 1),
    );
    const sections = headings('README.md').filter(
      (text) => text !== 'Contents' && readme.includes(`\n## ${text}\n`),
    );
    expect(sections.filter((text) => !contents.includes(`](#${anchorOf(text)})`))).toEqual([]);
  });

  it.each(PAGES)('%s: every relative link reaches a file, and its #fragment a heading there', (page) => {
    const broken = [...read(page).matchAll(/\]\(([^)\s]+)\)/g)]
      .map(([, target]) => target as string)
      .filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => {
        const [path, fragment] = target.split('#') as [string, string | undefined];
        const file = path === '' ? page : join(dirname(page), path);
        if (!existsSync(join(ROOT, file))) return true;
        return (
          fragment !== undefined && file.endsWith('.md') && !headings(file).map(anchorOf).includes(fragment)
        );
      });
    expect(broken).toEqual([]);
  });
});
