// Errors that reach the user. A UserError is printed as one line (what, why, what to do) and sets the exit code;
// anything else is a bug and is printed with its stack.

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = 1,
    /** The error behind it, kept for --verbose and for tests (never printed in the one line). */
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UserError';
  }
}

/** Bad command-line input: exit code 2, like most CLIs. */
export class UsageError extends UserError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** Thrown by a step's run() to say it did not apply; the pipeline reports it as skipped, never as a failure. */
export class StepSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StepSkipped';
  }
}

/** A failure whose result was already printed (e.g. a --json verdict): main prints only the one-line error. */
export class ReportedFailure extends UserError {
  readonly reported = true;
}
