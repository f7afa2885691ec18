// Errors, in two kinds. A UserError is something the user can act on: it is printed as one line (what, why, what
// to do) and sets a non-zero exit code; its subclasses say which kind it is, so that code and tests decide by
// class, never by wording. Anything else is a bug: main prints its stack, the step it happened in, and exits 70.

/** Something the user can act on. The cause, when there is one, is kept (for --verbose and tests), never printed. */
export class UserError extends Error {
  /** The pipeline step it happened in, set by the step runner. */
  step?: string;
  constructor(
    message: string,
    readonly exitCode: number = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad command-line input (an option, a version string): exit code 2, like most CLIs. */
export class UsageError extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 2, options);
  }
}

/** Bad input beyond the command line: a version nokmem does not know, a file, a fork, a directory, the specs. */
export class InputError extends UserError {}

/**
 * What was asked for and what was found disagree: a tag that moved off its pin, a table that says one method
 * where the tree says another, a file whose digest changed. Either side may be wrong; a person must look.
 */
export class PinMismatch extends UserError {}

/** Something the run needs is not on this machine (git, the Docker engine, a builder image, a tool in it). */
export class MissingPrerequisite extends UserError {
  constructor(
    message: string,
    /** What makes it, for the plan of a dry run ("nokmem builder-image --offline"). */
    readonly fix?: string,
    options?: ErrorOptions,
  ) {
    super(message, 1, options);
  }
}

/** A check failed: a binary or a package is not what it must be. `reported`: its checks were already printed. */
export class VerificationFailed extends UserError {
  constructor(
    message: string,
    readonly failed: readonly { name: string; detail: string; where?: string }[] = [],
    readonly reported = false,
  ) {
    super(message, 1);
  }
}

/** An external command failed: the command, its exit code and the tail of its stderr are kept, and its cause. */
export class CommandFailed extends UserError {
  constructor(
    message: string,
    readonly command: string,
    readonly commandExitCode: number | undefined,
    readonly stderrTail: string,
    options?: ErrorOptions,
  ) {
    super(message, 1, options);
  }
}

/**
 * The cluster cannot be read (no kubeconfig, an API server that does not answer, credentials refused, RBAC): exit
 * 3, as the doctor's "unknown", since nothing is known of the nodes; 1 and 2 keep meaning install and reboot.
 */
export class ClusterAccessError extends UserError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 3, options);
  }
}

/** A bug (not a user error) inside a pipeline step: keeps the original error as its cause and names the step. */
export class StepBug extends Error {
  constructor(
    readonly step: string,
    cause: unknown,
  ) {
    super(`in step "${step}": ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StepBug';
  }
}

/** Thrown by a step's run() to say it did not apply; the pipeline reports it as skipped, never as a failure. */
export class StepSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StepSkipped';
  }
}

/** The text main prints for a bug: the stack of the error and of each cause. */
export function bugReport(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 5; depth++) {
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}
