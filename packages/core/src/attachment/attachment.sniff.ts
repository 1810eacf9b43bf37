import { baseType, UNKNOWN_TYPE } from './attachment.policy';

// What a file is, from its first bytes — never from its name or the type its sender claims. The same code runs in
// the browser (a quick check of a picked file) and on the server (the check that counts). Markup (HTML, SVG, XML)
// is told apart from plain text, so that a page renamed `notes.txt` is known for what it is.

/** How many leading bytes {@link sniffType} and {@link imageSize} look at (a JPEG's size may sit after its EXIF). */
export const SNIFF_BYTES = 64 * 1024;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  signature.every((byte, i) => bytes[at + i] === byte);

const ascii = (bytes: Uint8Array, from: number, to: number): string =>
  String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));

/** Signatures of binary formats, first match wins. */
const SIGNATURES: readonly { readonly type: string; readonly test: (b: Uint8Array) => boolean }[] = [
  { type: 'image/png', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { type: 'image/gif', test: (b) => ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a' },
  { type: 'image/webp', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' },
  { type: 'image/bmp', test: (b) => ascii(b, 0, 2) === 'BM' && b.length >= 26 },
  {
    type: 'image/tiff',
    test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0]) || startsWith(b, [0x4d, 0x4d, 0, 0x2a]),
  },
  { type: 'image/x-icon', test: (b) => startsWith(b, [0, 0, 1, 0]) && b.length >= 22 },
  { type: 'application/pdf', test: (b) => ascii(b, 0, 5) === '%PDF-' },
  { type: 'application/zip', test: (b) => startsWith(b, [0x50, 0x4b, 0x03, 0x04]) },
  { type: 'application/gzip', test: (b) => startsWith(b, [0x1f, 0x8b]) },
  { type: 'application/x-7z-compressed', test: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { type: 'application/x-msdownload', test: (b) => ascii(b, 0, 2) === 'MZ' },
  { type: 'application/x-executable', test: (b) => startsWith(b, [0x7f, 0x45, 0x4c, 0x46]) },
  {
    type: 'audio/mpeg',
    test: (b) => ascii(b, 0, 3) === 'ID3' || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0),
  },
  { type: 'audio/wav', test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WAVE' },
  { type: 'audio/ogg', test: (b) => ascii(b, 0, 4) === 'OggS' },
  { type: 'video/mp4', test: (b) => ascii(b, 4, 8) === 'ftyp' },
  { type: 'video/webm', test: (b) => startsWith(b, [0x1a, 0x45, 0xdf, 0xa3]) },
];

/** True when `bytes` decode as UTF-8 text without NULs or other binary control characters. */
function isText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, SNIFF_BYTES);
  for (const byte of sample) if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b)) return false;
  try {
    // Streaming: a character cut at the end of the sample is not a reason to call the file binary.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The markup type of a text — HTML, SVG or XML, as a browser would take it — or `undefined` for plain text. Looks
 * at the start, after a byte-order mark, white space and comments, as the WHATWG sniffing rules do, and anywhere in
 * the sample for the tags browsers act on.
 */
function markupOf(text: string): string | undefined {
  const head = text
    .replace(/^\uFEFF/, '')
    .trimStart()
    .slice(0, 1024)
    .toLowerCase();
  if (head.startsWith('<?xml') || head.startsWith('<!--') || head.startsWith('<!doctype')) {
    if (/<svg[\s>]/.test(text.toLowerCase())) return 'image/svg+xml';
    if (/<!doctype\s+html|<html[\s>]/.test(text.toLowerCase())) return 'text/html';
    if (head.startsWith('<?xml')) return 'application/xml';
  }
  if (head.startsWith('<svg')) return 'image/svg+xml';
  if (/<(html|head|body|script|iframe|object|embed|img|svg|style|meta|a|div|table|form)[\s/>]/.test(head))
    return 'text/html';
  return undefined;
}

/**
 * The MIME type of a file from its first bytes (at least the first {@link SNIFF_BYTES}, or all of a smaller
 * file): one of the known binary formats, `text/html`, `image/svg+xml` or `application/xml` for markup,
 * `text/plain` for other UTF-8 text, else `application/octet-stream`.
 *
 * @example
 * ```ts
 * sniffType(new TextEncoder().encode('<svg onload=alert(1)>')); // 'image/svg+xml'
 * ```
 */
export function sniffType(head: Uint8Array): string {
  for (const { type, test } of SIGNATURES) if (test(head)) return type;
  if (head.length > 0 && isText(head)) {
    return markupOf(new TextDecoder().decode(head.subarray(0, SNIFF_BYTES))) ?? 'text/plain';
  }
  return UNKNOWN_TYPE;
}

/** Plain-text types a sender may name for text content (a `.csv` is text): anything else is what was sniffed. */
const TEXT_SUBTYPES: ReadonlySet<string> = new Set(['text/plain', 'text/csv', 'text/markdown']);
/** Containers of audio or video, told apart only by their tracks. */
const AUDIO_CONTAINERS: ReadonlySet<string> = new Set(['video/webm', 'video/mp4']);

/**
 * The type to keep for a file: the sniffed one, except that plain text declared as CSV or Markdown keeps that
 * name. `declared` never makes a file more than its content shows.
 */
export function resolveType(declared: string, sniffed: string): string {
  const wanted = baseType(declared);
  // A WebM or MP4 container holds audio or video: a recording declared as audio (a MediaRecorder's) stays audio.
  if (wanted.startsWith('audio/') && AUDIO_CONTAINERS.has(sniffed) && typesAgree(wanted, sniffed))
    return wanted;
  return sniffed === 'text/plain' && TEXT_SUBTYPES.has(wanted) ? wanted : sniffed;
}

/**
 * True when a declared type is consistent with the content: the same type, a type the browser did not know
 * (`''`, `application/octet-stream`), `image/jpg` for JPEG, or a plain-text subtype for text. A `.png` that is a
 * page is not.
 */
export function typesAgree(declared: string, sniffed: string): boolean {
  const wanted = baseType(declared);
  if (wanted === '' || wanted === UNKNOWN_TYPE || wanted === sniffed) return true;
  if (wanted === 'image/jpg' || wanted === 'image/pjpeg') return sniffed === 'image/jpeg';
  if (sniffed === 'text/plain') return TEXT_SUBTYPES.has(wanted);
  if (sniffed === 'application/zip') return /zip|officedocument|opendocument|epub|jar/.test(wanted);
  if (sniffed === 'audio/mpeg') return wanted === 'audio/mp3';
  if (sniffed === 'video/webm') return wanted === 'audio/webm';
  if (sniffed === 'video/mp4') return /^(video|audio)\/(mp4|quicktime|x-m4a|m4a|3gpp)$/.test(wanted);
  return false;
}

const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number) => u16be(b, at) * 65536 + u16be(b, at + 2);

/** Dimensions of a JPEG: the first start-of-frame marker's. */
function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at++;
      continue;
    }
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(b, at + 5), width: u16be(b, at + 7) };
    }
    at += 2 + u16be(b, at + 2);
  }
  return undefined;
}

/**
 * Width and height of a png, jpeg, gif or webp image from its first bytes, or `undefined` when `type` is another
 * or the header is not in `head`.
 */
export function imageSize(head: Uint8Array, type: string): { width: number; height: number } | undefined {
  let size: { width: number; height: number } | undefined;
  if (type === 'image/png' && ascii(head, 12, 16) === 'IHDR') {
    size = { width: u32be(head, 16), height: u32be(head, 20) };
  } else if (type === 'image/gif' && head.length >= 10) {
    size = { width: u16le(head, 6), height: u16le(head, 8) };
  } else if (type === 'image/jpeg') {
    size = jpegSize(head);
  } else if (type === 'image/webp') {
    const chunk = ascii(head, 12, 16);
    if (chunk === 'VP8X') size = { width: u24le(head, 24) + 1, height: u24le(head, 27) + 1 };
    else if (chunk === 'VP8 ') size = { width: u16le(head, 26) & 0x3fff, height: u16le(head, 28) & 0x3fff };
    else if (chunk === 'VP8L') {
      const bits =
        (head[21] ?? 0) | ((head[22] ?? 0) << 8) | ((head[23] ?? 0) << 16) | ((head[24] ?? 0) << 24);
      size = { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
  }
  return size && size.width > 0 && size.height > 0 ? size : undefined;
}
