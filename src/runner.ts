// The one place that runs external programs. Arguments are arrays (never a shell string), the environment is
// explicit, output is masked for secrets, and a failure becomes a CommandFailed that names the command, its
// exit code and the tail of its stderr. Tests swap the Runner for a fake where a real tool cannot run.

import { spawnSync } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { CommandFailed } from './errors.js';
import { trackChild } from './interrupt.js';
import { redact } from './redact.js';

export interface RunOptions {
  cwd?: string;
  /** Added to the small base environment (PATH, HOME, locale, Docker client settings). */
  env?: Record<string, string | undefined>;
  /** The child's stdin: text, bytes, or a stream (a pipe that stays open as long as the caller keeps it). */
  input?: string | Buffer | Readable;
  /** Stream the child's stdin from this file. */
  inputFile?: string;
  timeoutMs?: number;
  /** Return the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean;
  /** Called with each chunk of output (already masked), e.g. to mirror a long build to the log. */
  onOutput?: (chunk: string) => void;
  /** What the command means for the user, put in front of the error if it fails. */
  purpose?: string;
  /** Keep stdout as bytes (binary output). */
  binary?: boolean;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  stdoutBytes?: Buffer;
}

/** A command that failed: a one-line error (what it was for, the command, its exit code, its last words). */
export function commandFailed(
  command: string,
  exitCode: number | undefined,
  stderrTail: string,
  purpose: string | undefined,
  cause?: unknown,
): CommandFailed {
  const what = purpose ? `${purpose}: ` : '';
  const code = exitCode === undefined ? 'could not start' : `exited ${exitCode}`;
  const tail = stderrTail ? ` — ${stderrTail}` : '';
  // Every field is masked, not only the message: a field may be logged or serialised later.
  return new CommandFailed(
    redact(`${what}\`${command}\` ${code}${tail}`),
    redact(command),
    exitCode,
    redact(stderrTail),
    cause === undefined ? undefined : { cause },
  );
}

export interface Runner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Where `command` is on the search path the commands run with (undefined: not there); nothing is started. */
  locate(command: string): Promise<string | undefined>;
}

const BASE_ENV_KEYS = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'USER',
  'DOCKER_HOST',
  'DOCKER_CONFIG',
  'DOCKER_CONTEXT',
  'DOCKER_TLS_VERIFY',
  'DOCKER_CERT_PATH',
];

export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of BASE_ENV_KEYS) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

/** The last lines of a command's error output, on one line, for an error message. */
export function tail(text: string, lines = 3): string {
  return redact(text)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-lines)
    .join(' | ')
    .slice(0, 600);
}

export function quoteForDisplay(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** execa, loaded with the first command run: a run that starts none (a cache hit) does not load it. */
let execaModule: Promise<typeof import('execa')> | undefined;

export const realRunner: Runner = {
  async locate(command) {
    for (const dir of (baseEnv().PATH ?? '').split(':').filter((d) => path.isAbsolute(d))) {
      const file = path.join(dir, command);
      if (
        await access(file, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return file;
    }
    return undefined;
  },
  async run(command, args, options = {}) {
    const env: Record<string, string> = { ...baseEnv() };
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) env[k] = v;
    const display = quoteForDisplay(command, args);
    const { execa } = await (execaModule ??= import('execa'));
    const child = execa(command, [...args], {
      cwd: options.cwd,
      env,
      extendEnv: false,
      input: options.input,
      inputFile: options.inputFile,
      timeout: options.timeoutMs,
      reject: false,
      stripFinalNewline: false,
      encoding: options.binary ? 'buffer' : 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
    if (options.onOutput) {
      const forward = (chunk: Buffer | string) => options.onOutput?.(redact(chunk.toString()));
      child.stdout?.on('data', forward);
      child.stderr?.on('data', forward);
    }
    const untrack = trackChild(child);
    const result = await child.finally(untrack);
    const stdoutBytes = options.binary ? Buffer.from(result.stdout as unknown as Uint8Array) : undefined;
    const stdout = options.binary ? '' : String(result.stdout ?? '');
    const stderr = options.binary
      ? Buffer.from(result.stderr as unknown as Uint8Array).toString()
      : String(result.stderr ?? '');
    if (result.failed && result.exitCode === undefined) {
      const reason = result.timedOut
        ? `timed out after ${options.timeoutMs} ms`
        : result.cause instanceof Error
          ? result.cause.message
          : 'could not start';
      if (options.allowFailure) return { stdout, stderr: stderr || reason, exitCode: 127, stdoutBytes };
      throw commandFailed(display, undefined, reason, options.purpose, result.cause);
    }
    const exitCode = result.exitCode ?? 1;
    if (exitCode !== 0 && !options.allowFailure) {
      throw commandFailed(display, exitCode, tail(stderr || stdout), options.purpose);
    }
    return { stdout, stderr, exitCode, stdoutBytes };
  },
};

/**
 * Runs a command to completion synchronously, ignoring its output and failure: only for cleanup in a signal or
 * exit handler, where awaiting is not possible.
 */
export function runSyncQuietly(command: string, args: readonly string[], timeoutMs: number): void {
  // node's own spawnSync: execa may not be loaded (nothing was run), and a signal handler cannot await it
  spawnSync(command, [...args], { env: baseEnv(), timeout: timeoutMs, stdio: 'ignore' });
}
