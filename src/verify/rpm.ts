// `nokmem verify` for RPMs: signature by the project key (v4 header and v3 header+payload), EL7 compatibility
// (payload compression, rpmlib features rpm 4.11 knows, the GLIBC needs of every ELF file), and the nokmem
// proof re-run on the binary extracted from the package. `rpm -K` alone passes unsigned packages: the check
// here runs rpmkeys with _pkgverify_level=signature against a database holding only the project key.

import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { type DockerEngine, hostMount } from '../docker.js';
import { readElfLinkage } from '../elf.js';
import { type Nevra, canonicalFileName } from '../rpm/header.js';
import { PROJECT_ROOT } from '../specs.js';
import { el7Check } from './index.js';
import { type Check, fail, pass } from './verdict.js';

/** rpmlib() features that EL7's rpm 4.11 understands. Anything else makes yum refuse the package. */
export const EL7_RPMLIB = new Set([
  'BuiltinLuaScripts',
  'CompressedFileNames',
  'ConcurrentAccess',
  'ExplicitPackageProvide',
  'FileCaps',
  'FileDigests',
  'HeaderLoadSortsTags',
  'PartialHardlinkSets',
  'PayloadFilesHavePrefix',
  'PayloadIsBzip2',
  'PayloadIsLzma',
  'PayloadIsUstar',
  'PayloadIsXz',
  'ScriptletExpansion',
  'ScriptletInterpreterArgs',
  'TildeInVersions',
  'VersionedDependencies',
]);
export const EL7_PAYLOADS = new Set(['gzip', 'xz', 'lzma', 'bzip2']);

export interface RpmFacts {
  name: string;
  version: string;
  release: string;
  compressor: string;
  v4: string;
  v3: string;
  requires: string[];
  signatureOutput: string;
  signatureExit: string;
  extractExit: string;
}

export function parseInspection(text: string): RpmFacts {
  const sections = new Map<string, string[]>();
  let current = '';
  for (const line of text.split('\n')) {
    const m = /^== (\w+)$/.exec(line);
    if (m) current = m[1]!;
    else if (current) sections.set(current, [...(sections.get(current) ?? []), line]);
  }
  const kv = Object.fromEntries(
    (sections.get('query') ?? []).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const exitOf = (lines: string[]) => lines.find((l) => l.startsWith('exit='))?.slice(5) ?? 'missing';
  const signature = sections.get('signature') ?? [];
  return {
    name: kv.name ?? '',
    version: kv.version ?? '',
    release: kv.release ?? '',
    compressor: kv.compressor ?? '',
    v4: kv.v4 ?? '(none)',
    v3: kv.v3 ?? '(none)',
    requires: (sections.get('requires') ?? []).map((l) => l.trim()).filter(Boolean),
    signatureOutput: signature
      .filter((l) => !l.startsWith('exit='))
      .join('\n')
      .trim(),
    signatureExit: exitOf(signature),
    extractExit: exitOf(sections.get('extract') ?? []),
  };
}

export function rpmChecks(facts: RpmFacts, keyId: string): Check[] {
  const checks: Check[] = [];
  const short = keyId.slice(-8).toLowerCase();
  const okLines = facts.signatureOutput
    .split('\n')
    .filter((l) => /: OK$/.test(l.trim()) && l.toLowerCase().includes(short));
  const headerSig = okLines.some((l) => /Header V4 RSA\/SHA256 Signature/.test(l));
  const payloadSig = okLines.some((l) => /^\s*V4 RSA\/SHA256 Signature/.test(l));
  const bad = facts.signatureOutput
    .split('\n')
    .filter((l) => /: BAD$/.test(l.trim()))
    .map((l) => l.trim());
  if (facts.v4 === '(none)' && facts.v3 === '(none)') checks.push(fail('signature', 'the package is not signed'));
  else if (bad.length)
    checks.push(fail('signature', `the package was modified after it was signed: ${bad.join('; ')}`));
  else if (facts.signatureExit !== '0')
    checks.push(
      fail(
        'signature',
        `not signed by the project key ${short}: ${
          facts.signatureOutput
            .split('\n')
            .filter((l) => /NOKEY|BAD|Missing|NOT OK/i.test(l))
            .join('; ')
            .trim() || facts.signatureOutput.slice(0, 200)
        }`,
      ),
    );
  else if (!headerSig || !payloadSig)
    checks.push(
      fail(
        'signature',
        `needs both the v4 header and the v3 header+payload signature by key ${short} (EL7's rpm 4.11 checks the v3 one); found: ${okLines.join('; ').trim()}`,
      ),
    );
  else checks.push(pass('signature', `header and header+payload RSA/SHA256 signatures by key ${short} are valid`));
  checks.push(
    EL7_PAYLOADS.has(facts.compressor)
      ? pass('EL7 payload', `${facts.compressor} payload`)
      : fail(
          'EL7 payload',
          `${facts.compressor || 'unknown'} payload: EL7's rpm 4.11 cannot read it; build with _binary_payload w1T2.xzdio`,
        ),
  );
  const rpmlib = facts.requires.map((r) => /^rpmlib\((\w+)\)/.exec(r)?.[1]).filter((f): f is string => Boolean(f));
  const unknown = rpmlib.filter((f) => !EL7_RPMLIB.has(f));
  checks.push(
    unknown.length
      ? fail('EL7 rpmlib', `requires rpmlib features EL7's rpm 4.11 lacks: ${unknown.join(', ')}`)
      : pass('EL7 rpmlib', `rpmlib(${rpmlib.join(', ')}) are all known to rpm 4.11`),
  );
  return checks;
}

export async function inspectRpm(
  rpm: string,
  publicKeyFile: string,
  extractTo: string,
  docker: DockerEngine,
  image: string,
): Promise<RpmFacts> {
  await docker.prepareWritable(extractTo);
  const mounts = [hostMount(rpm, true), hostMount(publicKeyFile, true), hostMount(extractTo)];
  const script = await readFile(path.join(PROJECT_ROOT, 'src/verify/rpm-inspect.sh'), 'utf8');
  const r = await docker.run({
    image,
    command: ['sh', '-c', script, 'inspect.sh', ...mounts.map((m) => m.container)],
    mounts,
    env: { LC_ALL: 'C' },
    purpose: `inspect ${path.basename(rpm)}`,
  });
  return parseInspection(r.stdout);
}

/** Every ELF file in an extracted payload, with the EL7 glibc check of each. */
export async function elfChecks(root: string): Promise<{ files: string[]; checks: Check[] }> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && (await stat(full)).size > 64 && (await readElfLinkage(full)).isElf) files.push(full);
    }
  };
  await walk(root);
  const checks: Check[] = [];
  for (const file of files) {
    const c = await el7Check(file);
    checks.push({ ...c, name: `EL7 glibc ${path.relative(root, file)}` });
  }
  return { files, checks };
}

/**
 * A package's file name must be what its header says (N-V-R.A.rpm): a package verified on its own is known by its
 * name, and a renamed one (release 3 under release 1's name) would pass as what it is not. The one rewrite
 * allowed is GitHub's: release asset names have every `~` replaced by `.`.
 */
export function fileNameCheck(file: string, header: Nevra): Check {
  const name = path.basename(file);
  const canonical = canonicalFileName(header);
  if (name === canonical || name === canonical.replaceAll('~', '.'))
    return pass('file name', `${name} is ${canonical.replace(/\.rpm$/, '')} (its header)`);
  return fail(
    'file name',
    `${name} holds ${canonical.replace(/\.rpm$/, '')} (its header); a renamed package is not the package its name says`,
  );
}
