// Tag format (dot-separated segments of letters, digits and '-') and list-filter matching.
import { JobError } from '../errors.js';

const TAG_RE = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;

export function validateTags(input: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of input) {
    if (typeof tag !== 'string' || tag.length > 200 || !TAG_RE.test(tag)) {
      throw new JobError('invalid_tag', `invalid tag ${JSON.stringify(String(tag).slice(0, 100))}: use dot-separated segments of letters, digits and '-'`, { tag: String(tag).slice(0, 100) });
    }
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}

/** A filter is a tag, or a tag followed by `.*` meaning that tag and everything under it. */
export function validateTagFilters(input: readonly string[]): string[] {
  for (const f of input) {
    const base = f.endsWith('.*') ? f.slice(0, -2) : f;
    if (!TAG_RE.test(base)) {
      throw new JobError('invalid_tag', `invalid tag filter ${JSON.stringify(f.slice(0, 100))}`, { tag: f.slice(0, 100) });
    }
  }
  return [...input];
}

export function tagsMatch(tags: readonly string[], filters: readonly string[]): boolean {
  return filters.every((f) => {
    if (!f.endsWith('.*')) return tags.includes(f);
    const base = f.slice(0, -2);
    return tags.some((t) => t === base || t.startsWith(base + '.'));
  });
}
