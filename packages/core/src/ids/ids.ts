/** Cryptographically random bytes from Web Crypto (browsers and Node ≥ 20). */
export function secureRandomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  globalThis.crypto.getRandomValues(bytes);
  return bytes;
}

/** Hex string of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  // `| 256` then dropping the leading 1 pads to two digits, without a lookup table in a visitor's bundle.
  for (const byte of bytes) out += (byte | 256).toString(16).slice(1);
  return out;
}

/** An opaque random id of 128 bits (32 hex chars) with a short prefix naming what it is. */
export function randomId(
  prefix: string,
  randomBytes: (length: number) => Uint8Array = secureRandomBytes,
): string {
  return `${prefix}_${toHex(randomBytes(16))}`;
}

/**
 * A UUIDv7 (time-ordered, RFC 9562): used as `clientMsgId` so ids sort by creation time.
 *
 * @example
 * ```ts
 * uuidv7(); // '0192f5c4-8e1a-7b3c-9d2e-4f5a6b7c8d9e'
 * ```
 */
export function uuidv7(
  now: number = Date.now(),
  randomBytes: (length: number) => Uint8Array = secureRandomBytes,
): string {
  const bytes = randomBytes(16);
  // The first 48 bits are the milliseconds, big-endian; below 2**53 the divisions are exact.
  let ms = Math.max(0, Math.floor(now));
  for (let i = 5; i >= 0; i--, ms = Math.floor(ms / 256)) bytes[i] = ms % 256;
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = toHex(bytes);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
