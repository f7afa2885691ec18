// Ctrl-C, a CI cancel or a failure must not leave work running or lying around: directories registered here
// are removed, containers registered here are removed (`docker rm -f`) and the child processes still running
// (docker clients, which do not stop their container when they die) are killed before the process exits on
// SIGINT/SIGTERM. Containers are also removed on any other exit. Everything here is synchronous, because a
// signal handler that awaits can be overtaken by process.exit. This module is the registry; the command line
// installs the handlers with the synchronous runner that removes containers (so the runner, which registers its
// children here, and this module do not import each other).

import { rmSync } from 'node:fs';

type RemoveContainers = (names: string[]) => void;
let removeContainers: RemoveContainers = () => {};

const pending = new Set<string>();
const containers = new Set<string>();
const children = new Set<{ kill(signal?: NodeJS.Signals): boolean }>();

export function removeOnInterrupt(dir: string): () => void {
  pending.add(dir);
  return () => pending.delete(dir);
}

/** A container nokmem started by this name; removed on interrupt and exit until the returned function is called. */
export function trackContainer(name: string): () => void {
  containers.add(name);
  return () => containers.delete(name);
}

/** A running child process; killed on interrupt until the returned function is called. */
export function trackChild(child: { kill(signal?: NodeJS.Signals): boolean }): () => void {
  children.add(child);
  return () => children.delete(child);
}

/** Removes every tracked container now (they may be running: -f stops them). */
export function removeTrackedContainers(): number {
  const names = [...containers];
  containers.clear();
  if (names.length) removeContainers(names);
  return names.length;
}

function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/** `remove` removes containers synchronously (`docker rm --force`); it must not throw. */
export function installInterruptCleanup(remove: RemoveContainers): void {
  removeContainers = remove;
  process.on('exit', () => {
    removeTrackedContainers();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      const stopped = removeTrackedContainers();
      killChildren();
      for (const dir of pending) rmSync(dir, { recursive: true, force: true });
      const dirs = `${pending.size} unfinished director${pending.size === 1 ? 'y' : 'ies'}`;
      process.stderr.write(
        `nokmem: interrupted (${signal}); removed ${dirs}${stopped ? ` and ${stopped} container${stopped === 1 ? '' : 's'}` : ''}\n`,
      );
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}
