/**
 * What the server needs from the study (src/study): implemented by study-adapter.ts over the study module, and
 * by fakes in tests. Methods throw ApiHttpError (403 for a wrong token) or FaultlineError (400).
 */
export interface AnswerInput {
  taskId: number;
  main: 'main_object' | 'separate_object' | 'background';
  confidence: number;
  reasons: string;
}

export interface StudyPort {
  /** The annotator's current task (page data), or null when they have answered everything. */
  task(token: string): unknown;
  /** Stores an answer durably before returning. */
  submit(token: string, answer: AnswerInput): unknown;
  /** Aggregated results for the owner. */
  results(adminToken: string): unknown;
  /** Accepts a name for a feature; it then appears in every rule. */
  acceptName(adminToken: string, feature: number, name: string): unknown;
  /** Study results of (class, feature) pairs with this feature (no token: the explorer is the owner's tool). */
  featureResults(feature: number): unknown[];
  close(): void;
}
