/**
 * Link tokens. A token is 32 random bytes in base64url (256 bits, unguessable). Only its SHA-256 is stored, so a
 * leaked database does not leak working links; lookups go through the hash and the final check compares hashes
 * in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Constant-time comparison of a presented token against a stored hash. */
export function tokenMatches(token: string, storedHash: Buffer): boolean {
  const presented = hashToken(token);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/** Cheap shape check before touching the database (rejects empty, huge or non-base64url tokens). */
export function looksLikeToken(token: unknown): token is string {
  return typeof token === 'string' && /^[A-Za-z0-9_-]{22,128}$/.test(token);
}
