// Loads and validates the data in specs/ (the version table and the pins) and patches/ (the recipes).
// This is the only module that knows the files' shapes; an unknown or misspelt key is an error naming it.

import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import jsYaml from 'js-yaml';
import type { YAMLWarning } from 'yaml';
import * as z from 'zod';
import { InputError } from './errors.js';
import { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR, PROJECT_ROOT } from './project.js';
import { type Component, type ReleaseVersion, inRange } from './version.js';

export { DEFAULT_PATCHES_DIR, DEFAULT_SPECS_DIR, PROJECT_ROOT };

const range = z.string().refine((r) => semver.validRange(r) !== null, { message: 'not a semver range' });
const sha = z.string().regex(/^[0-9a-f]{40}$/, 'a commit must be 40 lowercase hex digits');

export const KmemMethod = z.enum(['not-affected', 'source-patch', 'build-tag', 'unknown']);
export type KmemMethod = z.infer<typeof KmemMethod>;

/** How upstream links the binary (static: no glibc from the host; cgo: dynamically against the host's glibc), and why. */
export const Linkage = z.object({ mode: z.enum(['static', 'cgo']), reason: z.string() }).strict();
export type Linkage = z.infer<typeof Linkage>;

const Era = z
  .object({
    versions: range,
    method: KmemMethod,
    reason: z.string(),
    patch: z.string().optional(),
    patchRoot: z.string().optional(),
    layout: z.enum(['gopath', 'modules']).optional(),
    vendorPrefix: z.boolean().optional(),
    make: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional(),
    marker: z.boolean().optional(),
    /** How upstream links the binary of this era; the tree inspection checks it against the tree's own build scripts. */
    link: Linkage.optional(),
  })
  .strict()
  .superRefine((era, ctx) => {
    const builds = era.method === 'source-patch' || era.method === 'build-tag';
    if (builds && (!era.layout || !era.make))
      ctx.addIssue({ code: 'custom', message: `a ${era.method} era needs layout and make` });
    if (era.make && !era.link) ctx.addIssue({ code: 'custom', message: 'an era with a make line needs link' });
    if (era.method === 'source-patch' && (!era.patch || !era.patchRoot))
      ctx.addIssue({ code: 'custom', message: 'a source-patch era needs patch and patchRoot' });
  });
export type Era = z.infer<typeof Era>;

const ComponentSpec = z
  .object({
    repository: z.string(),
    importPath: z.string(),
    artifact: z.string(),
    libcontainerRoot: z.string(),
    libcontainerPackage: z.string(),
    /** Where the project's own build scripts keep the Go build cache inside the tree (kubernetes' hack/lib/golang.sh
     * sets GOCACHE=_output/local/go/cache); nokmem's shared Go build cache is mounted there too. */
    goCacheInTree: z.string().optional(),
    eras: z.array(Era).min(1),
    /** The Go upstream released with; and what the tree states about the Go it needs (checked against the tree). */
    toolchains: z.array(
      z
        .object({
          versions: range,
          go: z.string(),
          minimum: z.string().optional(),
          reflect2: z.string().optional(),
          /** How the tree's own Go check compares versions with its minimum (default numeric). */
          goCheck: z.enum(['numeric', 'lexical']).optional(),
        })
        .strict(),
    ),
    /** The version a release binary prints where it is not its tag's (runc v1.0.0-rc90 prints 1.0.0-rc10). */
    reports: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type ComponentSpec = z.infer<typeof ComponentSpec>;

const VersionTable = z.object({ runc: ComponentSpec, kubelet: ComponentSpec }).strict();
export type VersionTable = z.infer<typeof VersionTable>;

const Pins = z
  .object({
    runc: z.record(z.string(), sha).nullable().default({}),
    kubelet: z.record(z.string(), sha).nullable().default({}),
  })
  .strict();
export type Pins = Record<Component, Record<string, string>>;

const FunctionRewrite = z.object({ function: z.string(), body: z.string() }).strict();
export const PatchRecipe = z
  .object({
    description: z.string(),
    file: z.string(),
    ensureImports: z.array(z.string()).default([]),
    rewrite: z.array(FunctionRewrite).min(1),
    /** After patching, these may appear in the package's code only inside const declarations. */
    mustNotBeUsed: z.array(z.string()).default([]),
  })
  .strict();
export type PatchRecipe = z.infer<typeof PatchRecipe>;

/** A docker release as users know it ("18.06.2"), or a release and its later patch releases ("18.09.2+"). */
const DockerRelease = z
  .string()
  .regex(/^\d+\.\d+\.\d+\+?$/, 'a docker release like 18.06.2, or 18.09.2+ for it and its later patch releases');
const Distribution = z.enum(['docker', 'centos']);
export type Distribution = z.infer<typeof Distribution>;
const forkVersion = z.string().regex(/^v?\d[0-9A-Za-z.+~-]*$/, 'a version like v1.0.0-rc5+dev');

const Fork = z
  .object({
    description: z.string(),
    repository: z.string(),
    commit: sha,
    version: forkVersion,
    claims: z.string().optional(),
    /** The method the fork's tree gives (src/inspect-tree.ts); the build's inspection must find the same. */
    method: z.enum(['source-patch', 'build-tag']).optional(),
    /** The docker releases that ship this runc (none for runtimes that are not docker's, e.g. NVIDIA's). */
    docker: z.array(DockerRelease).default([]),
    distribution: Distribution.default('docker'),
    binary: z.string().regex(/^[A-Za-z0-9._-]+$/, 'a file name'),
    package: z.string().regex(/^[a-z0-9][a-z0-9._+-]*$/, 'an RPM name'),
    /** A local path (relative to forks.yaml), or the fork owner's file fetched at build time and checked by digest
     * (never committed here: it is the fork owner's code). */
    patches: z
      .array(
        z.union([
          z.string(),
          z
            .object({
              url: z.string().regex(/^(https|file):\/\//, 'an https:// or file:// URL'),
              sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 hex digits'),
            })
            .strict(),
        ]),
      )
      .default([]),
  })
  .strict();
export type Fork = z.infer<typeof Fork>;

/** Docker releases whose runc switches kmem on only for an explicit kernel-memory limit: nothing to build. */
const NotAffectedDocker = z
  .object({
    docker: z.array(DockerRelease).min(1),
    distribution: Distribution.default('docker'),
    repository: z.string(),
    commit: sha,
    version: forkVersion,
    reason: z.string(),
  })
  .strict();
export type NotAffectedDocker = z.infer<typeof NotAffectedDocker>;

const Forks = z
  .object({
    forks: z.record(z.string(), Fork).nullable().default({}),
    notAffected: z.array(NotAffectedDocker).nullable().default([]),
  })
  .strict();
export interface ForkSpecs {
  forks: Record<string, Fork>;
  notAffected: NotAffectedDocker[];
}

export async function loadForks(file: string): Promise<Record<string, Fork>> {
  return (await loadForkSpecs(file)).forks;
}

export async function loadForkSpecs(file: string): Promise<ForkSpecs> {
  const data = await loadYaml(file, Forks);
  return { forks: data.forks ?? {}, notAffected: data.notAffected ?? [] };
}

function formatIssues(file: string, error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return `${file} is not valid`;
  const where = first.path.join('.') || '(top level)';
  const named = first.code === 'unrecognized_keys' ? first.keys.map((k) => JSON.stringify(k)) : [];
  // zod 4 names the keys in its message already; older messages did not
  const keys = named.length && !named.every((k) => first.message.includes(k)) ? ` ${named.join(', ')}` : '';
  return `${file}: ${where}: ${first.message}${keys}; fix the file (see the comment at its top)`;
}

/** "line 2, column 15: unresolved tag !!js/function" from a YAMLWarning. */
function yamlWarning(warning: YAMLWarning): string {
  const where = warning.linePos?.[0];
  const what = (warning.message.split('\n')[0] ?? '')
    .replace(/ at line \d+, column \d+:?$/, '')
    .replace(/^Unresolved tag: tag:yaml\.org,2002:/, 'unresolved tag !!')
    .replace(/^Unresolved tag: /, 'unresolved tag ');
  return where ? `line ${where.line}, column ${where.col}: ${what}` : what;
}

// js-yaml reads the specs in a fraction of the time `yaml` takes (a tenth of a cache hit's time was parsing them):
// its YAML 1.2 core schema with merge keys is the data `yaml` gives for these files. A file it refuses is read
// again by `yaml`, whose messages (line and column, unresolved tags) the error quotes.
// (js-yaml exports its merge type; its type definitions do not declare it)
const { merge } = (jsYaml as unknown as { types: { merge: jsYaml.Type } }).types;
const FAST_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [merge] });

async function parseYaml(file: string, text: string): Promise<unknown> {
  try {
    return jsYaml.load(text, { schema: FAST_SCHEMA, filename: file });
  } catch {
    const { default: YAML } = await import('yaml');
    // parseDocument only collects warnings; YAML.parse would hand them to process.emitWarning, which Node prints
    // after our one error line. A warning (an unknown tag such as !!js/function) is bad input like an error.
    const doc = YAML.parseDocument(text, { merge: true });
    const [error] = doc.errors;
    if (error) throw new InputError(`${file} is not valid YAML: ${error.message.split('\n')[0]}; fix the file`);
    const [warning] = doc.warnings;
    if (warning) throw new InputError(`${file}: ${yamlWarning(warning)}; fix the file`);
    return doc.toJS();
  }
}

export async function loadYaml<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  return (await loadYamlWithDigest(file, schema)).value;
}

/** A YAML file, checked against its schema, and the sha256 of the bytes that were read ("sha256:<hex>"). */
export async function loadYamlWithDigest<T>(file: string, schema: z.ZodType<T>): Promise<{ value: T; digest: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw new InputError(
      `${file} cannot be read; pass --specs DIR pointing at a directory with versions.yaml and pins.yaml`,
    );
  }
  const text = bytes.toString('utf8');
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const data = await parseYaml(file, text);
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new InputError(formatIssues(file, parsed.error));
  return { value: parsed.data, digest };
}

export async function loadVersionTable(specsDir = DEFAULT_SPECS_DIR): Promise<VersionTable> {
  return loadYaml(path.join(specsDir, 'versions.yaml'), VersionTable);
}

export async function loadPins(specsDir = DEFAULT_SPECS_DIR): Promise<Pins> {
  const pins = await loadYaml(path.join(specsDir, 'pins.yaml'), Pins);
  return { runc: pins.runc ?? {}, kubelet: pins.kubelet ?? {} };
}

/** Records a pin. Keeps the file's comments; the tag is added under its component, sorted by version. */
export async function writePin(specsDir: string, component: Component, tag: string, commit: string): Promise<void> {
  const file = path.join(specsDir, 'pins.yaml');
  const { default: YAML } = await import('yaml');
  const doc = YAML.parseDocument(await readFile(file, 'utf8'));
  if (!YAML.isMap(doc.get(component))) doc.set(component, doc.createNode({}));
  doc.setIn([component, tag], commit);
  await writeFile(file, doc.toString({ lineWidth: 0 }));
}

export async function loadPatchRecipe(name: string, patchesDir = DEFAULT_PATCHES_DIR): Promise<PatchRecipe> {
  return loadYaml(path.join(patchesDir, `${name}.yaml`), PatchRecipe);
}

/** A patch recipe and the digest of its file, read once (the plan carries both). */
export async function loadPatchRecipeWithDigest(
  name: string,
  patchesDir = DEFAULT_PATCHES_DIR,
): Promise<{ value: PatchRecipe; digest: string }> {
  return loadYamlWithDigest(path.join(patchesDir, `${name}.yaml`), PatchRecipe);
}

export function eraFor(spec: ComponentSpec, version: ReleaseVersion): Era | undefined {
  return spec.eras.find((era) => inRange(version, era.versions));
}

/** The cgroupfs driver's package path as the linker names it in a build of this era (for messages and JSON). */
export function fsPackageFor(spec: ComponentSpec, era: Era | undefined): string {
  return `${era?.vendorPrefix ? `${spec.importPath}/vendor/` : ''}${spec.libcontainerPackage}`;
}

/** The version the release binary of `tag` prints (without "v"): its tag's, unless specs/ say otherwise. */
export function reportedVersion(spec: ComponentSpec, tag: string): string {
  return spec.reports?.[tag] ?? tag.replace(/^v/, '');
}

export function goVersionFor(spec: ComponentSpec, version: ReleaseVersion): string | undefined {
  return toolchainFor(spec, version)?.go;
}

export function toolchainFor(
  spec: ComponentSpec,
  version: ReleaseVersion,
): ComponentSpec['toolchains'][number] | undefined {
  return spec.toolchains.find((t) => inRange(version, t.versions));
}
