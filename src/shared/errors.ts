/**
 * One error type for problems the user can fix (bad flags, bad files). The CLI prints its message as a single
 * line and exits non-zero; the server maps it to HTTP 400. Anything else is a bug and keeps its stack.
 */
export class FaultlineError extends Error {
  override readonly name = 'FaultlineError';
  constructor(
    message: string,
    readonly details?: {
      file?: string;
      row?: number;
      hint?: string;
      /** For a bad option: its key in the options object, what was expected and what was given. */
      option?: { key: string; expected: string; actual: unknown };
    },
  ) {
    super(message);
  }
}

/**
 * "Expected <expected> for <name> but received <actual>" — the shape of every option error. Library code names
 * the option's key in its options object (e.g. `topFeatures`); the CLI shows the matching flag instead.
 */
export function invalidOption(name: string, expected: string, actual: unknown): FaultlineError {
  const shown = typeof actual === 'string' ? JSON.stringify(actual) : String(actual);
  return new FaultlineError(`Expected ${expected} for ${name} but received ${shown}`, {
    option: { key: name, expected, actual },
  });
}

/** An error about a specific file (and optionally a row in it). */
export function fileError(file: string, problem: string, row?: number): FaultlineError {
  const where = row === undefined ? file : `${file}:${row}`;
  return new FaultlineError(`${where}: ${problem}`, { file, row });
}
