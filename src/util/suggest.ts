// The nearest known word to a mistyped one (commands, flags, schema types), for usage errors
// that say what was meant. Pure.

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** `word` with letters left out: `staus` is in `status`, not in `stats`. */
function isSubsequence(word: string, of: string): boolean {
  let i = 0;
  for (const ch of of) if (ch === word[i]) i++;
  return i === word.length;
}

/**
 * The known word closest to `word`, or undefined when none is close: within a third of the
 * word's length (at least 1, at most 3 edits), or a known word that starts with it (3+ letters).
 */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    const better = distance < bestDistance || (distance === bestDistance && best !== undefined && !isSubsequence(lower, best.toLowerCase()) && isSubsequence(lower, candidate.toLowerCase()));
    if (better) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(lower.length / 3)));
  if (best !== undefined && bestDistance <= limit) return best;
  if (lower.length >= 3) return known.find((candidate) => candidate.startsWith(lower));
  return undefined;
}
