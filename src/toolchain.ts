// Which Go builds a tree so that the binary behaves like upstream's (FACTS.md, "Toolchains"): the data in
// specs/toolchains.yaml, the facts a tree states about itself (its minimum Go, the reflect2 it vendors), and
// the rule that picks a builder image from what the Docker engine has. The rule is a pure function; reading
// the tree and asking Docker happen at the edges (preflight, inspect tree).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { InputError } from './errors.js';
import { compareGo, goMinor, lexicalCeiling, lexicallyOlder } from './go-version.js';
import { loadYaml } from './specs.js';
import { BehaviourChange, type ToolchainBehaviour } from './toolchain-behaviour.js';

export { compareGo, goMinor, goParts } from './go-version.js';

const goVersion = z.string().regex(/^\d+\.\d+(\.\d+)?$/, 'a Go version like 1.15 or 1.15.15');

const OfflineImage = z
  .object({
    image: z.string(),
    go: goVersion,
    suite: z.string(),
    goroot: z.string(),
    packages: z.array(z.string()).min(1),
  })
  .strict();
export type OfflineImage = z.infer<typeof OfflineImage>;

const ToolchainSpecs = z
  .object({
    reflect2: z.object({ fixedIn: z.string().regex(/^v\d+\.\d+\.\d+$/), breaksFrom: goVersion }).strict(),
    offline: z.array(OfflineImage).min(1),
    behaviour: z.array(BehaviourChange).default([]),
    common: z.array(z.string()),
    official: z
      .object({
        suiteArchived: z.array(z.string()),
        images: z
          .record(
            goVersion,
            z.object({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/), suite: z.string() }).strict(),
          )
          .nullable()
          .default({}),
      })
      .strict(),
  })
  .strict();
export type ToolchainSpecs = z.infer<typeof ToolchainSpecs>;

export async function loadToolchains(specsDir: string): Promise<ToolchainSpecs> {
  return loadYaml(path.join(specsDir, 'toolchains.yaml'), ToolchainSpecs);
}

/** Labels nokmem puts on the images it makes: the Go they carry, and what they were made from. */
export const GO_VERSION_LABEL = 'dev.nokmem.go-version';
export const REVISION_LABEL = 'dev.nokmem.image-revision';

/** What a tree says about the Go it needs. `from` names the file, for messages and the build record. */
export interface TreeToolchainFacts {
  minimumGo?: { version: string; from: string };
  /** Where the tree's own Go check compares versions as strings (kubernetes' hack/lib/golang.sh); else numeric. */
  goCheck?: { compare: 'lexical'; from: string };
  /** The vendored github.com/modern-go/reflect2, if any; "unknown" when vendored at an unrecognised revision. */
  reflect2?: { version: string; from: string };
}

/** Revisions of reflect2 that kubernetes' Godeps (before modules) name by commit. */
const REFLECT2_COMMITS: Record<string, string> = {
  // an untagged commit of 2018, older than v1.0.0 (kubernetes 1.11, 1.12 and late 1.8-1.10 patch releases)
  '05fbef0ca5da472bbf96c9322b84a53edc03c9fd': 'v0.0.0-20180320133207-05fbef0ca5da',
  '94122c33edd36123c84d5368cfb2b69df93a0ec8': 'v1.0.1',
  '2b33151c9bbc5231aea69b8861c540102b087070': 'v1.0.2',
};

const REFLECT2 = 'github.com/modern-go/reflect2';

export async function readTreeToolchainFacts(tree: string): Promise<TreeToolchainFacts> {
  const read = (p: string) => readFile(path.join(tree, p), 'utf8').catch(() => undefined);
  const facts: TreeToolchainFacts = {};
  const golang = await read('hack/lib/golang.sh');
  const minimum = golang && /minimum_go_version=go(\d+\.\d+(?:\.\d+)?)/.exec(golang);
  if (minimum) facts.minimumGo = { version: minimum[1]!, from: 'hack/lib/golang.sh minimum_go_version' };
  // the exception is recorded (numeric is the rule): kubernetes 1.8.0-1.8.8 and 1.9.0-1.9.3 compare as strings
  if (golang && /\[\[\s*"\$\{go_version\[2\]\}"\s*<\s*"\$\{minimum_go_version\}"/.test(golang))
    facts.goCheck = { compare: 'lexical', from: 'hack/lib/golang.sh kube::golang::verify_go_version' };
  if (!minimum) {
    const gomod = await read('go.mod');
    const directive = gomod && /^go (\d+\.\d+(?:\.\d+)?)\s*$/m.exec(gomod);
    if (directive) facts.minimumGo = { version: directive[1]!, from: 'go.mod go directive' };
  }
  const modules = await read('vendor/modules.txt');
  const fromModules = modules && new RegExp(`^# ${REFLECT2.replace(/\./g, '\\.')} (v\\S+)`, 'm').exec(modules);
  if (fromModules) {
    facts.reflect2 = { version: fromModules[1]!, from: 'vendor/modules.txt' };
    return facts;
  }
  const godeps = await read('Godeps/Godeps.json');
  if (godeps) {
    const dep = (
      (JSON.parse(godeps) as { Deps?: { ImportPath: string; Rev: string; Comment?: string }[] }).Deps ?? []
    ).find((d) => d.ImportPath === REFLECT2);
    if (dep) {
      facts.reflect2 = {
        version: REFLECT2_COMMITS[dep.Rev] ?? (/^v\d/.test(dep.Comment ?? '') ? dep.Comment! : 'unknown'),
        from: 'Godeps/Godeps.json',
      };
      return facts;
    }
  }
  const vendored = await readFile(path.join(tree, 'vendor', REFLECT2, 'reflect2.go'), 'utf8').then(
    () => true,
    () => false,
  );
  if (vendored) facts.reflect2 = { version: 'unknown', from: `vendor/${REFLECT2}` };
  return facts;
}

/** What a tree of this version is expected to state (specs/versions.yaml), until the tree itself is read. */
export interface ToolchainNeeds {
  /** The Go upstream released with. */
  upstream: string;
  minimumGo?: string;
  reflect2?: string;
  /** How the tree's own Go check compares versions (default numeric); `lexical` refuses every Go from 1.10 on. */
  goCheck?: 'numeric' | 'lexical';
}

/** A Go below which the binary misbehaves, or undefined when nothing caps it. */
export function goCeiling(reflect2: string | undefined, specs: ToolchainSpecs): string | undefined {
  if (!reflect2) return undefined;
  const old = reflect2 === 'unknown' || compareVersionTags(reflect2, specs.reflect2.fixedIn) < 0;
  return old ? specs.reflect2.breaksFrom : undefined;
}

function compareVersionTags(a: string, b: string): number {
  return compareGo(a.replace(/^v/, ''), b.replace(/^v/, ''));
}

type Needs = Omit<ToolchainNeeds, 'upstream'> & { upstream?: string };

/**
 * The lowest Go the tree can be built with: its stated minimum, unless upstream released it with an older Go
 * (runc rc91/rc92 say `go 1.14` in go.mod, an advisory directive before Go 1.21, and were released with Go 1.13).
 */
export function effectiveMinimum(needs: Needs): string | undefined {
  if (needs.minimumGo && needs.upstream && compareGo(needs.upstream, needs.minimumGo) < 0) return needs.upstream;
  return needs.minimumGo;
}

/** Why the tree's own Go check (as specs/ or the tree describe it) refuses a Go, or undefined. */
export function goCheckProblem(go: string, needs: Needs): string | undefined {
  if (needs.goCheck !== 'lexical' || !needs.minimumGo || !lexicallyOlder(go, needs.minimumGo)) return undefined;
  return `its hack/lib/golang.sh compares Go versions as strings, so go${go} reads as older than its minimum go${needs.minimumGo}`;
}

/** Why a Go breaks the needs, or undefined when it is safe. */
export function toolchainProblem(go: string, needs: Needs, specs: ToolchainSpecs): string | undefined {
  const check = goCheckProblem(go, needs);
  if (check) return check;
  const minimum = effectiveMinimum(needs);
  if (minimum && compareGo(go, minimum) < 0) return `Go ${go} is older than the tree's minimum Go ${minimum}`;
  const ceiling = goCeiling(needs.reflect2, specs);
  if (ceiling && compareGo(goMinor(go), ceiling) >= 0) {
    return `the tree vendors ${REFLECT2} ${needs.reflect2}, which crashes at run time when built with Go ${ceiling} or later (fixed in ${specs.reflect2.fixedIn}), and Go ${go} is`;
  }
  return undefined;
}

/** The range of Go that is safe for the needs, for people: "Go >= 1.16 and < 1.18". */
export function describeSafeRange(needs: Needs, specs: ToolchainSpecs): string {
  const minimum = effectiveMinimum(needs);
  const lexical = needs.goCheck === 'lexical' && needs.minimumGo ? lexicalCeiling(needs.minimumGo) : undefined;
  const ceilings = [goCeiling(needs.reflect2, specs), lexical].filter((c): c is string => !!c).sort(compareGo);
  const parts = [minimum ? `>= ${minimum}` : undefined, ceilings[0] ? `< ${ceilings[0]}` : undefined].filter(Boolean);
  const why = lexical ? ' (its hack/lib/golang.sh compares Go versions as strings)' : '';
  return parts.length ? `Go ${parts.join(' and ')}${why}` : 'any Go';
}

export interface AvailableImage {
  image: string;
  go: string;
}

export interface ToolchainChoice extends Partial<ToolchainBehaviour> {
  image: string;
  go: string;
  /** Why this image, for the plan, the build record and the package. */
  why: string;
  /** Set when the choice breaks the rule and the user allowed it (--allow-toolchain-risk). */
  risk?: string;
}

/**
 * The rule of specs/toolchains.yaml. `override` is an --image with the Go it reports; `available` are the
 * builder images the engine has. Throws a UserError naming what is needed when nothing safe exists.
 */
export function chooseToolchain(
  what: string,
  needs: ToolchainNeeds,
  available: AvailableImage[],
  specs: ToolchainSpecs,
  options: {
    override?: AvailableImage;
    allowRisk: boolean;
    /** Appended when nothing safe exists, e.g. a newer version that is not affected. */ hint?: string;
  },
): ToolchainChoice {
  if (options.override) {
    const { image, go } = options.override;
    const check = goCheckProblem(go, needs);
    if (check)
      throw new ToolchainRefused(
        `--image ${image} has Go ${go}, which ${what} refuses: ${check}; it needs ${describeSafeRange(needs, specs)}: ` +
          `make one with \`nokmem builder-image --go ${needs.upstream}\` and pass it with --image`,
      );
    const problem = toolchainProblem(go, needs, specs);
    if (!problem)
      return { image, go, why: `--image ${image} (Go ${go}; safe for ${what}: ${describeSafeRange(needs, specs)})` };
    if (!options.allowRisk) {
      throw new ToolchainRefused(
        `--image ${image} has Go ${go}, which is unsafe for ${what}: ${problem}; use an image with ${describeSafeRange(needs, specs)} ` +
          `(upstream used Go ${needs.upstream}), or pass --allow-toolchain-risk to build anyway and record the risk`,
      );
    }
    return { image, go, why: `--image ${image} (Go ${go}) with --allow-toolchain-risk`, risk: problem };
  }
  const upstreamMinor = goMinor(needs.upstream);
  const same = available.find((a) => goMinor(a.go) === upstreamMinor && !toolchainProblem(a.go, needs, specs));
  if (same) return { image: same.image, go: same.go, why: `the upstream Go minor (${needs.upstream})` };
  const safe = available.filter((a) => !toolchainProblem(a.go, needs, specs)).sort((a, b) => compareGo(a.go, b.go));
  const oldest = safe[0];
  if (oldest)
    return {
      image: oldest.image,
      go: oldest.go,
      why: `no image with the upstream Go ${needs.upstream}; the oldest available Go that is safe for this tree (${describeSafeRange(needs, specs)})`,
    };
  const have = available.length
    ? `the engine has ${available.map((a) => `${a.image} (Go ${a.go})`).join(', ')}`
    : 'the engine has no nokmem builder image';
  throw new ToolchainRefused(
    `no builder image is safe for ${what}: it needs ${describeSafeRange(needs, specs)} (upstream used Go ${needs.upstream}) and ${have}; ` +
      `make one with \`nokmem builder-image --go ${needs.upstream}\` (official golang image, needs a registry)` +
      `${specs.offline.some((o) => !toolchainProblem(o.go, needs, specs)) ? ' or `nokmem builder-image --offline`' : ''}${options.hint ? `; ${options.hint}` : ''}`,
    true,
    specs.offline.some((o) => !toolchainProblem(o.go, needs, specs))
      ? 'nokmem builder-image --offline'
      : `nokmem builder-image --go ${needs.upstream}`,
  );
}

/**
 * The toolchain rule refuses every Go this machine has (or the one --image gives) for this version: a user error,
 * before any long work. `needsImage`: no image on this machine is safe, and `fix` makes one (a dry run lists it
 * as a missing prerequisite); otherwise the --image given is unsafe.
 */
export class ToolchainRefused extends InputError {
  constructor(
    message: string,
    readonly needsImage = false,
    readonly fix?: string,
  ) {
    super(message);
  }
}
