// Small statistics helpers for the benchmark.

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round = (x, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median plus spread of one series of samples, rounded for the JSON report. */
export function summarize(samples) {
  return {
    median: round(median(samples)),
    min: round(Math.min(...samples)),
    max: round(Math.max(...samples)),
    n: samples.length,
    samples: samples.map((x) => round(x)),
  };
}

/** A figure compared against a baseline measured in the same run: target is a maximum ratio. */
export function ratioFigure({ id, figure, unit, subject, baseline, baselineLabel, maxRatio, note }) {
  const s = summarize(subject);
  const b = summarize(baseline);
  const ratio = round(s.median / b.median);
  return {
    id,
    figure,
    unit,
    subject: s,
    baseline: { label: baselineLabel, ...b },
    ratio,
    target: { kind: 'max_ratio', value: maxRatio },
    met: ratio <= maxRatio,
    ...(note ? { note } : {}),
  };
}

/**
 * A rate compared against a peer's rate measured in the same run: the target is a minimum ratio
 * (subject / baseline, higher is better). Without the peer it is only reported.
 */
export function minRatioFigure({ id, figure, unit, value, baseline, baselineLabel, minRatio, note, extra }) {
  const s = { median: round(value), n: 1 };
  if (baseline === undefined) return { id, figure, unit, subject: s, target: { kind: 'report' }, met: null, ...(note ? { note } : {}), ...(extra ?? {}) };
  return {
    id,
    figure,
    unit,
    subject: s,
    baseline: { label: baselineLabel, median: round(baseline), n: 1 },
    ratio: round(value / baseline),
    target: { kind: 'min_ratio', value: minRatio },
    met: value / baseline >= minRatio,
    ...(note ? { note } : {}),
    ...(extra ?? {}),
  };
}

/** An absolute figure with an upper bound (maxValue) or nothing to meet (maxValue undefined). */
export function absoluteFigure({ id, figure, unit, subject, maxValue, value, note, extra }) {
  const s = subject ? summarize(subject) : { median: round(value), n: 1 };
  return {
    id,
    figure,
    unit,
    subject: s,
    target: maxValue === undefined ? { kind: 'report' } : { kind: 'max', value: maxValue },
    met: maxValue === undefined ? null : s.median <= maxValue,
    ...(note ? { note } : {}),
    ...(extra ?? {}),
  };
}
