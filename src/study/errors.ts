/**
 * Typed study errors. All are FaultlineErrors (so the CLI prints them as one line); `status` is the HTTP status
 * the server answers with, `code` a stable machine-readable reason.
 */
import { FaultlineError } from '../shared/errors.js';

export type StudyErrorCode =
  | 'invalid-input' // 400: malformed or out-of-range values
  | 'unauthorized' // 401: missing or unknown token
  | 'forbidden' // 403: valid token, wrong role (annotator on an admin action, admin answering)
  | 'not-found' // 404: no such task / study
  | 'conflict'; // 409: a different answer to the same task was already stored

const STATUS: Record<StudyErrorCode, number> = {
  'invalid-input': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
};

export class StudyError extends FaultlineError {
  readonly status: number;
  constructor(
    readonly code: StudyErrorCode,
    message: string,
    /** Per-field problems for 'invalid-input' (field path -> message). */
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}
