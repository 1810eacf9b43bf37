/**
 * The `exp` of a JWT as epoch ms, read without verifying it (the client only schedules a refresh with it; Vonage
 * verifies the token). Undefined when the token is not a JWT or has no numeric `exp`.
 *
 * @example
 * ```ts
 * const expiresAt = jwtExpiresAt(token); // e.g. 1767600900000
 * ```
 */
export function jwtExpiresAt(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const json = new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long to wait before refreshing a session whose token expires at `expiresAt`: `marginMs` ahead, but never
 * more than half the remaining lifetime ahead (a 60 s token is refreshed after 30 s, not at once).
 */
export function refreshDelayMs(expiresAt: number, now: number, marginMs: number): number {
  const remaining = expiresAt - now;
  if (remaining <= 0) return 0;
  return Math.max(0, remaining - Math.min(marginMs, remaining / 2));
}
