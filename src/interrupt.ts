// Ctrl-C or a CI cancel must not leave half-written workspaces or staging directories behind: paths
// registered here are removed before the process exits on SIGINT/SIGTERM.

import { rmSync } from 'node:fs';

const pending = new Set<string>();

export function removeOnInterrupt(dir: string): () => void {
  pending.add(dir);
  return () => pending.delete(dir);
}

export function installInterruptCleanup(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const dir of pending) rmSync(dir, { recursive: true, force: true });
      process.stderr.write(`nokmem: interrupted (${signal}); removed ${pending.size} unfinished director${pending.size === 1 ? 'y' : 'ies'}\n`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}
