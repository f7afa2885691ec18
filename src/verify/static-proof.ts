// The static nokmem proof (FACTS.md, "How to tell a build is nokmem"): the kmem functions of libcontainer's
// cgroupfs driver are gone from the symbol table, (*MemoryGroup).Apply calls no EnableKernelMemoryAccounting,
// and the string memory.kmem.limit_in_bytes is not in the binary. Symbols and disassembly come from the Go
// toolchain in the builder image; systemd.setKernelMemory is not evidence and is ignored.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type DockerEngine, type Mount, hostMount } from '../docker.js';
import { PROJECT_ROOT } from '../specs.js';
import { type Check, fail, pass } from './verdict.js';

export const KMEM_FILE = 'memory.kmem.limit_in_bytes';
export const NOKMEM_MARKER = 'kernel memory accounting disabled in this runc build';

export interface StaticExpectations {
  /** Package path of the cgroupfs driver as the linker names it, e.g. k8s.io/kubernetes/vendor/github.com/... */
  fsPackage: string;
  /** Whether a nokmem build of this version must contain NOKMEM_MARKER. */
  marker: boolean;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function stringChecks(bytes: Buffer, expect: StaticExpectations): Check[] {
  const checks: Check[] = [];
  checks.push(
    bytes.includes(KMEM_FILE)
      ? fail('no kmem file name', `the binary contains "${KMEM_FILE}": code that writes it is linked in`)
      : pass('no kmem file name', `"${KMEM_FILE}" does not occur in the binary`),
  );
  if (expect.marker) {
    checks.push(
      bytes.includes(NOKMEM_MARKER)
        ? pass('nokmem marker', `contains "${NOKMEM_MARKER}"`)
        : fail('nokmem marker', `a nokmem build of this version contains "${NOKMEM_MARKER}"; this binary does not`),
    );
  }
  return checks;
}

const FS_SUFFIX = 'libcontainer/cgroups/fs';

/** Text symbols of an nm listing. */
function textSymbols(nm: string): string[] {
  return nm
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && /^[Tt]$/.test(f[1] ?? ''))
    .map((f) => f.slice(2).join(' '));
}

/**
 * Parses `go tool nm` output: the kmem functions of libcontainer's cgroupfs driver that are present as text
 * symbols. Matched by suffix, whatever the import path in front (github.com/..., k8s.io/kubernetes/vendor/...,
 * a fork's own path), so a wrong guess about the build mode cannot make the check pass vacuously.
 */
export function kmemSymbols(nm: string): string[] {
  return textSymbols(nm).filter(
    (s) => s.endsWith(`${FS_SUFFIX}.EnableKernelMemoryAccounting`) || s.endsWith(`${FS_SUFFIX}.setKernelMemory`),
  );
}

/** The (*MemoryGroup).Apply symbols of the cgroupfs driver in an nm listing. */
export function applySymbols(nm: string): string[] {
  return textSymbols(nm).filter((s) => s.endsWith(`${FS_SUFFIX}.(*MemoryGroup).Apply`));
}

/** Parses `go tool objdump -s Apply` output: the CALL instructions to EnableKernelMemoryAccounting. */
export function kmemCalls(objdump: string): string[] {
  return objdump
    .split('\n')
    .filter((l) => /\bCALL\b/.test(l) && /EnableKernelMemoryAccounting/.test(l))
    .map((l) => l.trim().replace(/\s+/g, ' '));
}

export interface FunctionTable {
  functions: number;
  kmem: string[];
  apply?: string;
  applyCalls: string[];
}

/** The same proof from the function table (.gopclntab), for a binary whose symbol table is stripped. */
export function functionTableChecks(table: FunctionTable): Check[] {
  const where = `function table of ${table.functions} functions (the symbol table is stripped)`;
  const checks = [
    table.kmem.length
      ? fail('kmem symbols', `still compiled in: ${table.kmem.join(', ')} (${where})`)
      : pass(
          'kmem symbols',
          `EnableKernelMemoryAccounting and setKernelMemory of the cgroupfs driver are not in the ${where}`,
        ),
  ];
  const calls = table.applyCalls.filter((c) => c.endsWith('.EnableKernelMemoryAccounting'));
  if (!table.apply)
    checks.push(
      pass(
        'Apply calls no kmem',
        '(*MemoryGroup).Apply is not in the binary (the cgroupfs memory driver is not linked)',
      ),
    );
  else if (calls.length) checks.push(fail('Apply calls no kmem', `${table.apply} calls ${calls[0]}`));
  else
    checks.push(
      pass(
        'Apply calls no kmem',
        `${table.apply} makes ${table.applyCalls.length} direct calls, none to EnableKernelMemoryAccounting`,
      ),
    );
  return checks;
}

async function functionTableProof(mount: Mount[], docker: DockerEngine, toolImage: string): Promise<Check[]> {
  const r = await docker
    .run({
      image: toolImage,
      command: ['go', 'run', '/probe/gofuncs.go', mount[0]!.container],
      mounts: [
        ...mount,
        { host: path.join(PROJECT_ROOT, 'src/verify/gofuncs/main.go'), container: '/probe/gofuncs.go', readOnly: true },
      ],
      env: { GO111MODULE: 'off', GOFLAGS: '', GOCACHE: '/tmp/go-build' },
      purpose: 'read the function table of the binary',
    })
    .catch((e: Error) => ({ stdout: '', stderr: e.message }));
  if (!r.stdout.trim())
    return [
      fail(
        'kmem symbols',
        `neither a symbol table nor a readable function table: ${r.stderr.trim().split('\n').pop() ?? ''}`,
      ),
    ];
  return functionTableChecks(JSON.parse(r.stdout) as FunctionTable);
}

/** Printed between the symbol listing and the disassembly by the one container that makes both. */
export const DISASSEMBLY_FOLLOWS = '--- nokmem: disassembly of (*MemoryGroup).Apply ---';

/**
 * The symbol listing, then the disassembly of every cgroupfs (*MemoryGroup).Apply, in one container: starting a
 * container is most of either command's time. Exit 90: `go tool nm` failed (nothing was disassembled).
 */
const SYMBOLS_SCRIPT = [
  'go tool nm "$1" || exit 90',
  `echo '${DISASSEMBLY_FOLLOWS}'`,
  'exec go tool objdump -s "$2" "$1"',
].join('\n');

/**
 * The disassembly of one function in `go tool objdump` output that may hold several ("TEXT <symbol>(SB) ...", as
 * every Go since 1.5 heads each function); output without such headers is taken whole, as it was before.
 */
export function disassemblyOf(objdump: string, symbol: string): string {
  if (!/^TEXT /m.test(objdump)) return objdump;
  const sections = objdump.split(/^(?=TEXT )/m);
  return sections.find((s) => s.startsWith(`TEXT ${symbol}(SB)`)) ?? '';
}

export async function staticProof(
  binary: string,
  expect: StaticExpectations,
  docker: DockerEngine,
  toolImage: string,
): Promise<Check[]> {
  const bytes = await readFile(binary);
  const checks = stringChecks(bytes, expect);
  const mount = [hostMount(binary, true)];
  const listed = await docker
    .run({
      image: toolImage,
      command: [
        'sh',
        '-c',
        SYMBOLS_SCRIPT,
        'symbols',
        mount[0]!.container,
        `${escapeRe(`${FS_SUFFIX}.(*MemoryGroup).Apply`)}$`,
      ],
      mounts: mount,
      purpose: 'list the symbols of the binary and disassemble (*MemoryGroup).Apply',
      allowFailure: true,
    })
    .catch((e: Error) => ({ stdout: '', stderr: e.message, exitCode: 1 }));
  const [nm = '', objdump] = listed.stdout.split(`${DISASSEMBLY_FOLLOWS}\n`);
  if (objdump === undefined || !/\s[Tt]\s/.test(nm)) {
    checks.push(...(await functionTableProof(mount, docker, toolImage)));
    return checks;
  }
  const found = kmemSymbols(nm);
  checks.push(
    found.length
      ? fail('kmem symbols', `still linked: ${found.join(', ')}`)
      : pass(
          'kmem symbols',
          `${expect.fsPackage}.EnableKernelMemoryAccounting and .setKernelMemory are not in the symbol table`,
        ),
  );
  const applies = applySymbols(nm);
  if (applies.length === 0) {
    checks.push(
      pass(
        'Apply calls no kmem',
        `no ${FS_SUFFIX}.(*MemoryGroup).Apply in the binary (the cgroupfs memory driver is not linked)`,
      ),
    );
    return checks;
  }
  const applySymbol = applies[0]!;
  if (listed.exitCode !== 0) {
    const why = listed.stderr.trim().split('\n').pop() ?? '';
    checks.push(
      fail('Apply calls no kmem', `go tool objdump failed on ${applySymbol} (exit ${listed.exitCode}): ${why}`),
    );
    return checks;
  }
  const dis = disassemblyOf(objdump, applySymbol);
  const instructions = dis.split('\n').filter((l) => /0x[0-9a-f]+\t/.test(l)).length;
  const calls = kmemCalls(dis);
  if (instructions === 0)
    checks.push(fail('Apply calls no kmem', `objdump printed no instructions for ${applySymbol}`));
  else if (calls.length)
    checks.push(fail('Apply calls no kmem', `(*MemoryGroup).Apply calls EnableKernelMemoryAccounting: ${calls[0]}`));
  else
    checks.push(
      pass(
        'Apply calls no kmem',
        `(*MemoryGroup).Apply (${instructions} instructions) has no call to EnableKernelMemoryAccounting`,
      ),
    );
  return checks;
}
