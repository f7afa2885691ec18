// Progress for people, on stderr (stdout is kept for --json results). Every line passes the secret mask.

import { redact } from './redact.js';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** Raw output of a long command (a compile), shown only when verbose. */
  detail(chunk: string): void;
}

export function consoleLogger(options: { verbose?: boolean; quiet?: boolean } = {}): Logger {
  const write = (text: string) => process.stderr.write(redact(text));
  return {
    info: (m) => options.quiet || write(`${m}\n`),
    warn: (m) => write(`warning: ${m}\n`),
    detail: (chunk) => options.verbose && write(chunk),
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, detail: () => undefined };
