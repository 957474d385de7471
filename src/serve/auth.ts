// The bearer token: every route but `GET /healthz` and the dashboard's files needs
// `Authorization: Bearer <token>`. The comparison takes the same time whatever the guess: both
// sides are hashed to equal-length SHA-256 digests and compared with timingSafeEqual.
import { createHash, timingSafeEqual } from 'node:crypto';
import { JobError } from '../errors.js';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export interface TokenCheck {
  /** Throws `unauthorized` unless the header carries the token. */
  check(authorization: string | undefined): void;
}

export function tokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  return {
    check(authorization) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
      const given = digest(match?.[1] ?? '');
      // Always compare, so a missing header takes as long as a wrong token.
      const equal = timingSafeEqual(given, expected);
      if (match === null || !equal) {
        throw new JobError('unauthorized', authorization === undefined ? 'missing bearer token: send Authorization: Bearer <token>' : 'wrong bearer token');
      }
    },
  };
}

/** The header a 401 carries. */
export const CHALLENGE = { 'www-authenticate': 'Bearer realm="jobctl"' } as const;
