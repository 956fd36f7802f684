/**
 * The import graph of the project's source (shared/, functions/, infra/, bin/, bench/), read by
 * dpdm through TypeScript's own resolver (so `./x.js` finds `./x.ts`), type-only imports and
 * re-exports included: no file reaches itself, and every import keeps the layer order.
 *
 * The layer order, lowest first (ARCHITECTURE.md "Layout", STYLE.md "Our habits"):
 *
 * | layer     | files                           | may import (project)                               |
 * |-----------|---------------------------------|----------------------------------------------------|
 * | runtime   | shared/runtime/**               | runtime                                            |
 * | domain    | shared/domain/**                | domain; runtime's errors, echo and zod-issues only |
 * | aws       | shared/aws/**                   | aws, domain, runtime, infra data (infra/*.json)    |
 * | jobs      | shared/jobs/**                  | jobs, aws, domain, runtime, infra data             |
 * | cli       | cli/**                          | cli, jobs, aws, domain, runtime, infra data        |
 * | functions | functions/** (handlers)         | functions, jobs, aws, domain, runtime, infra data  |
 * | manifest  | functions/<name>/function.ts    | what functions may, and infra (the manifest type)  |
 * | bin       | bin/** (the packaged CLI)       | bin, cli, jobs, aws, domain, runtime, infra data   |
 * | infra     | infra/* (build, manifest type)  | anything but infra/local                           |
 * | local     | infra/local/** (sandbox)        | anything                                           |
 * | bench     | bench/**                        | anything                                           |
 *
 * The domain is pure: besides three runtime modules that do no I/O and import no other layer
 * (typed errors, how a value is echoed in a message, how zod's issues are written) it reads only
 * the packages in DOMAIN_PACKAGES, none of which does I/O either; what the migration domain reaches
 * (every migration function bundles it) is that and zod, and the workflow domain reaches nothing
 * outside its own folder. Nothing deployed (shared,
 * functions, bin) imports infra/local: the sandbox plugs in through endpoints and injected
 * runners. The jobs take the SDK's clients as the adapters name them (shared/aws re-exports their
 * types) and never import an `@aws-sdk/*` package themselves. A function's manifest is read at build time (infra/manifests.cjs), never bundled:
 * it is the one file under functions/ that names an infra module.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DependencyTree, parseCircular, parseDependencyTree } from 'dpdm';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES = [
  'shared/**/*.ts',
  'cli/**/*.ts',
  'functions/**/*.ts',
  'infra/**/*.ts',
  'bin/**/*.ts',
  'bench/**/*.ts',
];

const LAYERS = [
  'runtime',
  'domain',
  'aws',
  'jobs',
  'cli',
  'functions',
  'manifest',
  'bin',
  'infra',
  'local',
  'bench',
] as const;
type Layer = (typeof LAYERS)[number] | 'infra-data';

const DEPLOYED: readonly Layer[] = [
  'runtime',
  'domain',
  'aws',
  'jobs',
  'cli',
  'functions',
  'bin',
  'infra-data',
];

/** The project layers each layer may import (its own included). */
const MAY_IMPORT: Record<(typeof LAYERS)[number], readonly Layer[]> = {
  runtime: ['runtime'],
  domain: ['domain', 'runtime'],
  aws: ['aws', 'domain', 'runtime', 'infra-data'],
  jobs: ['jobs', 'aws', 'domain', 'runtime', 'infra-data'],
  cli: ['cli', 'jobs', 'aws', 'domain', 'runtime', 'infra-data'],
  functions: ['functions', 'jobs', 'aws', 'domain', 'runtime', 'infra-data'],
  manifest: ['functions', 'jobs', 'aws', 'domain', 'runtime', 'infra-data', 'infra'],
  bin: ['bin', 'cli', 'jobs', 'aws', 'domain', 'runtime', 'infra-data'],
  infra: [...DEPLOYED, 'infra'],
  local: [...DEPLOYED, 'infra', 'local', 'bench'],
  bench: [...DEPLOYED, 'infra', 'local', 'bench'],
};

/** The runtime modules the domain may import: no I/O, no import of another layer. */
const DOMAIN_RUNTIME = ['shared/runtime/errors.ts', 'shared/runtime/echo.ts', 'shared/runtime/zod-issues.ts'];

/** The packages the domain may import: parsing only (schemas, YAML text, IP address syntax). */
const DOMAIN_PACKAGES = ['zod', 'yaml', 'node:net'];

/** The layer of a project file (path relative to the root), or undefined for a package. */
function layerOf(file: string): Layer | undefined {
  if (file.startsWith('node_modules/')) return undefined;
  const shared = /^shared\/(runtime|domain|aws|jobs)\//.exec(file)?.[1];
  if (shared) return shared as Layer;
  if (file.startsWith('infra/local/')) return 'local';
  if (/^functions\/[^/]+\/function\.ts$/.test(file)) return 'manifest';
  if (/^infra\/[^/]+\.json$/.test(file)) return 'infra-data';
  const top = file.split('/')[0];
  return LAYERS.find((layer) => layer === top && layer !== 'local');
}

const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');
const packageName = (request: string) =>
  request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : (request.split('/')[0] ?? request);

let tree: DependencyTree;

beforeAll(async () => {
  tree = await parseDependencyTree(SOURCES, {
    context: ROOT,
    cwd: ROOT,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    transform: false,
  });
}, 60_000);

/** Every import of a project source file: `{ from, to, request }` with paths relative to the root. */
function projectImports() {
  return Object.entries(tree).flatMap(([file, dependencies]) => {
    const from = relative(file);
    if (!layerOf(from) || !dependencies) return [];
    return dependencies.map((dependency) => ({
      from,
      to: dependency.id === null ? null : relative(dependency.id),
      request: dependency.request,
    }));
  });
}

/**
 * What `entry` reaches, following every import (type-only ones included): the project files
 * (itself among them) and the packages they import.
 */
function reachedFrom(entry: string) {
  const imports = projectImports();
  const files = new Set([entry]);
  const packages = new Set<string>();
  const queue = [entry];
  for (const file of queue)
    for (const { to, request } of imports.filter(({ from }) => from === file)) {
      if (to === null || layerOf(to) === undefined) packages.add(packageName(request));
      else if (!files.has(to)) {
        files.add(to);
        queue.push(to);
      }
    }
  return { files: [...files], packages: [...packages].sort() };
}

describe('Import graph', () => {
  it('reads every source file of every layer, and resolves every relative import', () => {
    const files = Object.keys(tree).map(relative);
    for (const layer of LAYERS)
      expect(files.filter((file) => layerOf(file) === layer).length).toBeGreaterThan(0);
    const unresolved = projectImports().filter(({ to, request }) => to === null && request.startsWith('.'));
    expect(unresolved).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles = parseCircular(tree).map((cycle) => cycle.map(relative).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it('keeps the layer order: no file imports a layer above its own', () => {
    const imports = projectImports();
    const leaks = imports.flatMap(({ from, to }) => {
      const fromLayer = layerOf(from) as (typeof LAYERS)[number];
      const toLayer = to === null ? undefined : layerOf(to);
      if (toLayer === undefined || to === null) return [];
      const allowed =
        MAY_IMPORT[fromLayer].includes(toLayer) &&
        !(fromLayer === 'domain' && toLayer === 'runtime' && !DOMAIN_RUNTIME.includes(to));
      return allowed ? [] : [`${from} (${fromLayer}) -> ${to} (${toLayer})`];
    });
    expect(imports.length).toBeGreaterThan(500);
    expect(leaks).toEqual([]);
  });

  it('keeps the domain pure: it imports no package but the parsers it names', () => {
    const domainImports = projectImports().filter(({ from }) => layerOf(from) === 'domain');
    const packages = domainImports.filter(({ to }) => to === null || layerOf(to) === undefined);
    const impure = packages
      .filter(({ request }) => !DOMAIN_PACKAGES.includes(packageName(request)))
      .map(({ from, request }) => `${from} -> ${request}`);
    expect(packages.length).toBeGreaterThan(0);
    expect(impure).toEqual([]);
  });

  it('keeps the SDK in the adapters: no job imports @aws-sdk/*, not even a type', () => {
    const imports = projectImports();
    const sdk = ({ request }: { request: string }) => request.startsWith('@aws-sdk/');
    const jobImports = imports.filter(({ from }) => layerOf(from) === 'jobs');
    const leaks = jobImports.filter(sdk).map(({ from, request }) => `${from} -> ${request}`);
    // The rule sees SDK imports where they belong (the adapters), and every job's imports.
    expect(imports.filter((entry) => layerOf(entry.from) === 'aws' && sdk(entry)).length).toBeGreaterThan(0);
    expect(jobImports.length).toBeGreaterThan(100);
    expect(leaks).toEqual([]);
  });

  it('keeps the migration domain, which every migration function bundles, to zod and the pure domain', () => {
    const reached = reachedFrom('shared/domain/migration/index.ts');
    const outside = reached.files.filter(
      (file) => layerOf(file) !== 'domain' && !DOMAIN_RUNTIME.includes(file),
    );
    expect(reached.files.length).toBeGreaterThan(1);
    expect(outside).toEqual([]);
    // Node's built-ins weigh nothing in a bundle (which ones the domain may use is the rule above).
    expect(reached.packages.filter((name) => !name.startsWith('node:'))).toEqual(['zod']);
  });

  it('keeps the workflow domain (the step machinery both workflows share) to its own folder', () => {
    const reached = reachedFrom('shared/domain/workflow/index.ts');
    expect(reached.files.length).toBeGreaterThan(1);
    expect(reached.files.filter((file) => !file.startsWith('shared/domain/workflow/'))).toEqual([]);
  });
});
