/** Records of the comprehensibility study: the types live in `shared/api/study.ts`; this module adds `LABELS`. */
import type { Label } from '../shared/api/study.js';

export type * from '../shared/api/study.js';

/** Answer to question 1, in the order forms and exports list them. */
export const LABELS = ['main_object', 'separate_object', 'background'] as const satisfies readonly Label[];

/** Compile-time check that LABELS names every Label. */
const _everyLabel: Record<Label, true> = { main_object: true, separate_object: true, background: true };
void _everyLabel;
