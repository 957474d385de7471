// Tag format (dot-separated segments of letters, digits and '-') and list-filter matching.
import { JobError } from '../errors.js';

const TAG_RE = /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/;
/** The longest tag, in characters. */
export const MAX_TAG_LENGTH = 200;

export function validateTags(input: readonly string[]): string[] {
  const out: string[] = [];
  for (const tag of input) {
    const shown = String(tag).slice(0, 100);
    if (typeof tag === 'string' && tag.length > MAX_TAG_LENGTH) {
      throw new JobError('invalid_tag', `tag ${JSON.stringify(shown + '…')} is ${tag.length} characters long: at most ${MAX_TAG_LENGTH} are allowed`, { tag: shown, length: tag.length, max_length: MAX_TAG_LENGTH });
    }
    if (typeof tag !== 'string' || !TAG_RE.test(tag)) {
      throw new JobError('invalid_tag', `invalid tag ${JSON.stringify(shown)}: use dot-separated segments of letters, digits and '-'`, { tag: shown });
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
