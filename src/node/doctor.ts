// One look at a node: facts (read under a root) → verdict (pure), with the placer made from specs/. The doctor
// command and the agent both start here; what they do with the report is their outputs.

import path from 'node:path';
import { DEFAULT_SPECS_DIR, loadForkSpecs, loadVersionTable } from '../specs.js';
import { readHostFacts } from './facts/host.js';
import { type Placer, placer } from './place.js';
import { type DoctorReport, assess } from './verdict.js';

export async function loadPlacer(specs = DEFAULT_SPECS_DIR): Promise<Placer> {
  return placer(await loadVersionTable(specs), await loadForkSpecs(path.join(specs, 'forks.yaml')));
}

export async function examine(root: string, place: Placer): Promise<DoctorReport> {
  return assess(await readHostFacts(root), place);
}
