// What a tree vendors, for the SBOM: the module list of whichever vendoring its era used.

import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface VendoredModule {
  path: string;
  version: string;
}

/** The vendored modules of a tree: vendor/modules.txt (modules), vendor.conf (runc rc3-rc10), Godeps (kubernetes < 1.15). */
export async function vendoredModules(tree: string): Promise<VendoredModule[]> {
  const read = (p: string) => readFile(path.join(tree, p), 'utf8').catch(() => undefined);
  const modulesTxt = await read('vendor/modules.txt');
  if (modulesTxt !== undefined) {
    return [...modulesTxt.matchAll(/^# (\S+) (\S+)/gm)].map((m) => ({ path: m[1]!, version: m[2]! }));
  }
  const vendorConf = await read('vendor.conf');
  if (vendorConf !== undefined) {
    return vendorConf
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim().split(/\s+/))
      .filter((f) => f.length >= 2 && f[0])
      .map((f) => ({ path: f[0]!, version: f[1]! }));
  }
  const godeps = await read('Godeps/Godeps.json');
  if (godeps !== undefined) {
    const deps = (JSON.parse(godeps) as { Deps?: { ImportPath: string; Rev: string }[] }).Deps ?? [];
    return deps.map((d) => ({ path: d.ImportPath, version: d.Rev }));
  }
  return [];
}
