import type { HelplineError } from '../protocol/errors';
import { attachmentError } from '../protocol/errors.attachment';
import { ATTACHMENT_LIMITS } from './attachment.limits';
import type { AttachmentCandidate, AttachmentPolicy } from './attachment.types';

// The allow-list checks, the same in the browser (before an upload) and on the server (on what arrived). Each
// refusal is a typed error whose message names the file, its type or size, and the rule.

/** The type of an unrecognised file. */
export const UNKNOWN_TYPE = 'application/octet-stream';

/** C0 and C1 controls, and the bidi marks and overrides that make `exe.pdf` look like `fdp.exe`. */
function isInvisibleControl(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

/**
 * A file name safe to keep and show as text: no control or bidi-override characters, no path (`a/b\c` keeps `c`),
 * trimmed, at most {@link ATTACHMENT_LIMITS.name} characters (the extension kept), `file` when nothing is left.
 * Markup characters stay: a name is text, and every render path shows it as text.
 *
 * @example
 * ```ts
 * cleanFileName('../../etc/passwd\u0000.png'); // 'passwd.png'
 * ```
 */
export function cleanFileName(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  const clean = [...base]
    .filter((char) => !isInvisibleControl(char.codePointAt(0) ?? 0))
    .join('')
    .trim();
  if (clean === '' || clean === '.' || clean === '..') return 'file';
  if (clean.length <= ATTACHMENT_LIMITS.name) return clean;
  const dot = clean.lastIndexOf('.');
  const extension = dot > 0 && clean.length - dot <= 16 ? clean.slice(dot) : '';
  return clean.slice(0, ATTACHMENT_LIMITS.name - extension.length) + extension;
}

/**
 * A size as people read it: `512 B`, `1.5 KB`, `10 MB` (powers of 1024, as file managers show them).
 *
 * @example
 * ```ts
 * formatBytes(10 * 1024 * 1024); // '10 MB'
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${shown} ${units[unit]}`;
}

/** The MIME type without parameters, lower case (`Text/Plain; charset=x` → `text/plain`). */
export function baseType(type: string): string {
  return (type.split(';')[0] ?? '').trim().toLowerCase();
}

/** True when `policy` allows files of `type` (an exact entry, or `family/*`). */
export function isTypeAllowed(policy: AttachmentPolicy, type: string): boolean {
  const wanted = baseType(type) || UNKNOWN_TYPE;
  const family = `${wanted.split('/')[0]}/*`;
  return policy.types.some((allowed) => {
    const entry = baseType(allowed);
    return entry === wanted || entry === family || entry === '*/*';
  });
}

/**
 * The refusal of a file by `policy` — empty, too large, or of a type not on the list — or `undefined` when it may
 * be uploaded. The browser checks what the file declares; the server checks again with the type it found in the
 * content ({@link sniffType}) and the size it stored.
 *
 * @example
 * ```ts
 * const refused = attachmentRefusal(policy, { name: file.name, type: file.type, size: file.size });
 * if (refused) showError(refused); // "report.exe: files of type application/x-msdownload are not allowed here …"
 * ```
 */
export function attachmentRefusal(
  policy: AttachmentPolicy,
  candidate: AttachmentCandidate,
): HelplineError | undefined {
  const name = cleanFileName(candidate.name);
  if (candidate.size > policy.maxBytes || candidate.size > ATTACHMENT_LIMITS.maxBytes) {
    return attachmentError(
      'attachment/too-large',
      { name, size: formatBytes(candidate.size), max: formatBytes(policy.maxBytes) },
      { field: 'size' },
    );
  }
  if (candidate.size <= 0) return attachmentError('attachment/empty', { name }, { field: 'size' });
  const type = baseType(candidate.type) || UNKNOWN_TYPE;
  if (!isTypeAllowed(policy, type)) {
    return attachmentError(
      'attachment/type-not-allowed',
      { name, type, allowed: policy.types.length > 0 ? policy.types.join(', ') : 'none' },
      { field: 'type' },
    );
  }
  return undefined;
}

/** Throws the {@link attachmentRefusal} of a file, if any. */
export function checkAttachment(policy: AttachmentPolicy, candidate: AttachmentCandidate): void {
  const refused = attachmentRefusal(policy, candidate);
  if (refused) throw refused;
}
