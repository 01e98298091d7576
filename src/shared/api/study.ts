/**
 * Records of the comprehensibility study (docs/method.md §7), shared by the store, the API, the server and the web
 * app. Type-only, so the web build can import it; `study/types.ts` re-exports these types with `LABELS`.
 */

/** Answer to question 1: where the highlighted region is. */
export type Label = 'main_object' | 'separate_object' | 'background';

/** How `createStudy` chooses (class, feature) pairs; 'import' = pairs came from an imported CSV. */
export type FeatureSelection = 'top-modes' | 'top-per-class' | 'import';

/** One answer as an annotator submits it (validated by `answerInputSchema`). */
export interface AnswerInput {
  main: Label;
  /** 1 (guess) .. 5 (certain). */
  confidence: number;
  /** Free text: what the attribute is and why; at most 2000 characters. */
  reasons: string;
}

/** A task as shown to an annotator. Never says whether it is a gold task. */
export interface TaskView {
  taskId: number;
  featureSet: string;
  classIndex: number;
  className: string | null;
  wnid: string | null;
  /** The feature set's own column index (e.g. 1378). */
  featureIndex: number;
  /** 1 = the class's most important feature in this study. */
  featureRank: number;
}

export interface NextTask {
  /** null when this annotator has nothing left to do. */
  task: TaskView | null;
  /** Answers this annotator has given (gold included). */
  answered: number;
}

export interface SubmitResult {
  answerId: number;
  taskId: number;
  /** True when the same answer had already been stored (nothing changed). */
  duplicate: boolean;
}

export interface StudyInfo {
  id: number;
  createdAt: string;
  featureSelection: FeatureSelection;
  featureSet: string;
  workersPerTask: number;
  goldFraction: number;
  goldThreshold: number;
  goldMinAnswers: number;
}

/** A (class, feature) pair the study asks about, before it is stored. */
export interface TaskSpec {
  featureSet: string;
  classIndex: number;
  className: string | null;
  wnid: string | null;
  featureIndex: number;
  featureRank: number;
  goldAnswer?: Label | null;
}

/** A stored task with admin-only fields. */
export interface TaskRecord extends TaskView {
  goldAnswer: Label | null;
  source: 'discovery' | 'import' | 'gold';
}

/** One stored answer, with what aggregation and export need. */
export interface AnswerRecord {
  answerId: number;
  annotatorId: number;
  /** WorkerId for imported answers, else the annotator's label or id. */
  workerId: string;
  taskId: number;
  main: Label;
  confidence: number;
  reasons: string;
  createdAt: string;
  source: 'web' | 'import';
}

export interface AnnotatorRecord {
  id: number;
  externalId: string | null;
  isAdmin: boolean;
  flagged: boolean;
  createdAt: string;
}

/** A new annotator link: the token is only available at creation time. */
export interface IssuedToken {
  annotatorId: number;
  token: string;
  isAdmin: boolean;
}

export interface LabelCounts {
  main_object: number;
  separate_object: number;
  background: number;
}

/** A name candidate extracted from free-text answers. */
export interface NameProposal {
  name: string;
  /** Number of answers whose text contains it. */
  answers: number;
}

export interface PairResult {
  taskId: number;
  featureSet: string;
  classIndex: number;
  className: string | null;
  wnid: string | null;
  featureIndex: number;
  featureRank: number;
  /** Counted answers (flagged annotators excluded). */
  answers: number;
  /** True when answers >= the study's workers per task. */
  complete: boolean;
  counts: LabelCounts;
  /** Most frequent label; null without answers. Ties: higher summed confidence, then main > separate > background. */
  majority: Label | null;
  /** 'spurious' when separate + background > answers / 2 (= >= 3 of 5, docs/method.md §7); 'pending' without answers. */
  verdict: 'spurious' | 'core' | 'pending';
  unanimous: boolean;
  meanConfidence: number | null;
  /** Answers per confidence level 1..5 (index 0 = confidence 1). */
  confidence: [number, number, number, number, number];
  proposedNames: NameProposal[];
  acceptedName: string | null;
}

export interface AnnotatorQuality {
  annotatorId: number;
  externalId: string | null;
  answers: number;
  goldAnswers: number;
  goldCorrect: number;
  /** null before any gold answer. */
  goldAccuracy: number | null;
  flagged: boolean;
}

export interface StudyTotals {
  pairs: number;
  /** Pairs with at least one counted answer. */
  answeredPairs: number;
  completePairs: number;
  /** Counted answers (non-gold tasks, flagged annotators excluded). */
  answers: number;
  /** Answers left out because their annotator is flagged. */
  excludedAnswers: number;
  annotators: number;
  flaggedAnnotators: number;
  counts: LabelCounts;
  /** counts / answers. */
  shares: LabelCounts;
  unanimousPairs: number;
  /** unanimousPairs / answeredPairs. */
  unanimousShare: number;
  spuriousPairs: number;
  corePairs: number;
  confidence: [number, number, number, number, number];
  /** Fleiss' kappa over the answered pairs with >= 2 answers (unequal rater counts allowed); null if undefined. */
  fleissKappa: number | null;
}

export interface StudyResults {
  study: StudyInfo;
  totals: StudyTotals;
  pairs: PairResult[];
  annotators: AnnotatorQuality[];
}
