/**
 * Class-name comparison shared by every reader: the same class is written "water jug", "Water_Jug" or "water_jug"
 * depending on where a file came from.
 */

/** "water jug" / "Water_Jug" / " water  jug " -> "water_jug". Case, surrounding space and space/underscore runs. */
export function normaliseClassName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '_');
}

/** Edit distance, used only to suggest near matches in error messages. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * Up to `limit` of `candidates` closest to `name` (normalised): containment first, then small edit distance.
 * Returns the candidates as given, so messages show the spelling the label space uses.
 */
export function nearMatches(name: string, candidates: readonly string[], limit = 5): string[] {
  const wanted = normaliseClassName(name);
  const scored: { candidate: string; score: number }[] = [];
  for (const candidate of new Set(candidates)) {
    const key = normaliseClassName(candidate);
    const contains = wanted.length >= 3 && (key.includes(wanted) || wanted.includes(key));
    const distance = editDistance(wanted, key);
    const allowed = Math.max(2, Math.floor(Math.max(wanted.length, key.length) / 3));
    if (contains) scored.push({ candidate, score: distance / 100 });
    else if (distance <= allowed) scored.push({ candidate, score: distance });
  }
  scored.sort((x, y) => x.score - y.score || (x.candidate < y.candidate ? -1 : 1));
  return scored.slice(0, limit).map((s) => s.candidate);
}
