/**
 * Name proposals from free-text answers: a deliberately simple, explainable keyword extraction.
 *
 * 1. Each answer is lower-cased and split into words of letters (apostrophes kept inside words).
 * 2. Words that are stopwords (English function words and the study's instruction vocabulary), shorter than
 *    3 letters, or part of the class name (its words and their plural/singular forms) are dropped.
 * 3. Candidates are the remaining words and the bigrams of words adjacent after dropping; each candidate is
 *    counted once per answer (document frequency), so one verbose annotator cannot dominate.
 * 4. A candidate needs at least 2 answers (1 when the pair has a single answer): a word only one annotator used is
 *    an opinion, not a proposal; pairs whose annotators share no content word get no proposal.
 * 5. A bigram is preferred to its own words when it has the minimum answers of step 4 and at least half as many answers as the
 *    best single word contain it ("jug handle" beats "handle"). Ties break alphabetically, for stable output.
 * The owner sees the top candidates with their answer counts and accepts one (or types a better name).
 */
import { STOPWORDS } from './stopwords.js';
import type { NameProposal } from './types.js';

const WORD = /[a-z]+(?:'[a-z]+)*/g;

export interface ProposeNamesOptions {
  /** Class name (e.g. "water_jug"); its words are excluded. */
  className?: string | null;
  /** How many candidates to return (default 3). */
  limit?: number;
}

export function proposeNames(texts: readonly string[], options: ProposeNamesOptions = {}): NameProposal[] {
  const excluded = classWords(options.className ?? '');
  const unigrams = new Map<string, number>();
  const bigrams = new Map<string, number>();
  for (const text of texts) {
    const words = contentWords(text, excluded);
    const seenUnigrams = new Set(words);
    const seenBigrams = new Set<string>();
    for (let i = 0; i + 1 < words.length; i++) {
      if (words[i] !== words[i + 1]) seenBigrams.add(`${words[i]} ${words[i + 1]}`);
    }
    for (const w of seenUnigrams) unigrams.set(w, (unigrams.get(w) ?? 0) + 1);
    for (const b of seenBigrams) bigrams.set(b, (bigrams.get(b) ?? 0) + 1);
  }
  const ranked = (counts: Map<string, number>): NameProposal[] =>
    [...counts]
      .map(([name, answers]) => ({ name, answers }))
      .sort((a, b) => b.answers - a.answers || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const minAnswers = Math.min(2, texts.length);
  const topWords = ranked(unigrams).filter((w) => w.answers >= minAnswers);
  const bestWordCount = topWords[0]?.answers ?? 0;
  const strongBigrams = ranked(bigrams).filter(
    (b) => b.answers >= minAnswers && 2 * b.answers >= bestWordCount,
  );
  const limit = options.limit ?? 3;
  const out: NameProposal[] = [];
  const covered = new Set<string>();
  for (const b of strongBigrams) {
    if (out.length >= limit) break;
    out.push(b);
    for (const w of b.name.split(' ')) covered.add(w);
  }
  for (const w of topWords) {
    if (out.length >= limit) break;
    if (!covered.has(w.name)) out.push(w);
  }
  return out.sort((a, b) => b.answers - a.answers || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function contentWords(text: string, excluded: ReadonlySet<string>): string[] {
  const words: string[] = [];
  for (const match of text.toLowerCase().matchAll(WORD)) {
    const w = match[0];
    if (w.length < 3 || STOPWORDS.has(w) || excluded.has(w)) continue;
    words.push(w);
  }
  return words;
}

/** Words of a class name plus simple plural/singular variants ("goldfish", "jugs"/"jug", "boxes"/"box"). */
function classWords(className: string): Set<string> {
  const out = new Set<string>();
  for (const w of className.toLowerCase().match(WORD) ?? []) {
    out.add(w);
    out.add(`${w}s`);
    out.add(`${w}es`);
    if (w.endsWith('s')) out.add(w.slice(0, -1));
    if (w.endsWith('es')) out.add(w.slice(0, -2));
  }
  return out;
}
