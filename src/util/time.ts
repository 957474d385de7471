// RFC 3339 UTC timestamps with milliseconds, as every output field uses.
export const nowIso = (): string => new Date().toISOString();

export function msBetween(from: string | undefined, to: string | undefined): number | undefined {
  if (!from || !to) return undefined;
  const d = Date.parse(to) - Date.parse(from);
  return Number.isFinite(d) ? Math.max(0, d) : undefined;
}
