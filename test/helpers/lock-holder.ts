// A publisher stand-in for the lock test: waits for a common start time, then takes the publish lock ROUNDS
// times; while holding it, records entry and exit in a shared log and increments a shared counter non-atomically
// (read, wait, write), so any two holders at once show up as an overlap or a lost increment.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { acquireLock } from '../../src/publish/lock.ts';

const [lockFile, logFile, counterFile, rounds, startAt] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

while (Date.now() < Number(startAt)) await sleep(1);
for (let i = 0; i < Number(rounds); i++) {
  const release = await acquireLock(lockFile, { waitMs: 60_000, pollMs: 2 });
  appendFileSync(logFile, `enter ${process.pid}\n`);
  const n = Number(readFileSync(counterFile, 'utf8'));
  await sleep(3);
  writeFileSync(counterFile, String(n + 1));
  appendFileSync(logFile, `exit ${process.pid}\n`);
  await release();
}
