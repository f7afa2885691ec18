// What the tree's own build scripts decide about a build, asked of them rather than re-implemented:
//   kubernetes: hack/lib/golang.sh, sourced through hack/lib/init.sh in the chosen builder image with the build's
//     environment (no network, the tree read-only, before any compile) — does kube::golang::verify_go_version
//     accept the image's Go, and does kube::golang::is_statically_linked_library link the kubelet statically
//     (KUBE_STATIC_LIBRARIES, KUBE_STATIC_OVERRIDES, KUBE_CGO_OVERRIDES as that tree handles them);
//   runc: its Makefile's `static` target, and the VERSION file that `runc --version` prints.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DockerEngine } from './docker.js';
import type { Component } from './version.js';

export interface TreeBuildAnswers {
  /** The tree's own Go check on the image's Go; absent where the tree has none (runc). */
  goCheck?: { ok: boolean; go: string; said: string; from: string };
  /** How the tree's build links the binary, and where it says so. */
  link: { mode: 'static' | 'cgo'; evidence: string };
  /** What the binary prints as its version (runc's VERSION file); absent when the build is told (kubernetes). */
  version?: string;
}

export interface TreeBuildAsk {
  component: Component;
  tree: string;
  mountPath: string;
  image: string;
  env: Readonly<Record<string, string>>;
  make: readonly string[];
}

const GO_CHECK = 'hack/lib/golang.sh kube::golang::verify_go_version';

// Sourcing init.sh is what every kubernetes build script does first; the functions then run as the build runs them.
const KUBERNETES_QUESTIONS = `set -o errexit -o nounset -o pipefail
source hack/lib/init.sh >&2
printf 'go=%s\\n' "$(go version)"
if said=$(kube::golang::verify_go_version 2>&1); then echo go-check=pass; else echo go-check=fail; fi
printf 'go-check-said=%s\\n' "$(printf '%s' "$said" | sed 's/^!!! //' | tr '\\n' ' ')"
pkg=$(kube::golang::binaries_from_targets "$1")
if kube::golang::is_statically_linked_library "$pkg"; then echo link=static; else echo link=cgo; fi
printf 'package=%s\\n' "$pkg"
printf 'static-libraries=%s\\n' "\${KUBE_STATIC_LIBRARIES[*]}"
`;

/** Asks the tree (see the top of this file). Throws when the tree's scripts cannot answer (a CommandFailed). */
export async function askTree(ask: TreeBuildAsk, docker: DockerEngine): Promise<TreeBuildAnswers> {
  return ask.component === 'kubelet' ? askKubernetes(ask, docker) : readRunc(ask.tree);
}

async function askKubernetes(ask: TreeBuildAsk, docker: DockerEngine): Promise<TreeBuildAnswers> {
  const target = ask.make.find((a) => a.startsWith('WHAT='))?.slice('WHAT='.length) ?? 'cmd/kubelet';
  const r = await docker.run({
    image: ask.image,
    command: ['bash', '-c', KUBERNETES_QUESTIONS, 'nokmem-ask-tree', target],
    mounts: [{ host: ask.tree, container: ask.mountPath, readOnly: true }],
    workdir: ask.mountPath,
    env: { ...ask.env },
    purpose: "ask the tree's hack/lib/golang.sh about the Go and the linkage",
  });
  const answers = new Map(
    r.stdout
      .split('\n')
      .map((l) => /^([\w-]+)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()]),
  );
  const link = answers.get('link');
  if (answers.get('go-check') === undefined || (link !== 'static' && link !== 'cgo'))
    throw new Error(
      `bug: the tree's hack/lib/golang.sh gave no answer: ${r.stdout.slice(-300)} ${r.stderr.slice(-300)}`,
    );
  const go = /go(\d+\.\d+(?:\.\d+)?)/.exec(answers.get('go') ?? '')?.[1] ?? '?';
  return {
    goCheck: { ok: answers.get('go-check') === 'pass', go, said: answers.get('go-check-said') ?? '', from: GO_CHECK },
    link: {
      mode: link,
      evidence:
        `hack/lib/golang.sh kube::golang::is_statically_linked_library ${answers.get('package')}: ` +
        `${link === 'static' ? 'static' : 'not static'} (KUBE_STATIC_LIBRARIES: ${answers.get('static-libraries') || 'none'})`,
    },
  };
}

async function readRunc(tree: string): Promise<TreeBuildAnswers> {
  const read = (f: string) => readFile(path.join(tree, f), 'utf8').catch(() => '');
  const makefile = await read('Makefile');
  const target = /^static:/m.test(makefile);
  const staticLink = /-extldflags\s+["']?-static/.test(makefile);
  const version = (await read('VERSION')).trim();
  return {
    link:
      target && staticLink
        ? { mode: 'static', evidence: 'Makefile: `make static` links with -extldflags -static' }
        : {
            mode: 'cgo',
            evidence: `Makefile: ${target ? 'the static target does not link statically' : 'no static target'}`,
          },
    ...(version ? { version } : {}),
  };
}
