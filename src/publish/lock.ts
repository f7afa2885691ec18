// One publish at a time per repository: an exclusive lock file holding the owner's pid. A lock whose owner is
// gone (a crash, a kill) is taken over; a live one is waited for, up to a limit.

import { open, readFile, rm } from 'node:fs/promises';
import { UserError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireLock(file: string, options: { waitMs: number; onWait?: (owner: number) => void }): Promise<() => Promise<void>> {
  const deadline = Date.now() + options.waitMs;
  let told = false;
  for (;;) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (!owner || !alive(owner)) {
      await rm(file, { force: true }); // left by a publish that died
      continue;
    }
    if (Date.now() > deadline) throw new UserError(`another publish (pid ${owner}) holds ${file}; wait for it to finish, or remove the file if that process is gone`);
    if (!told) options.onWait?.(owner);
    told = true;
    await new Promise((r) => setTimeout(r, 500));
  }
}
