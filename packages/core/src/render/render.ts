import { DEFAULT_MAX_LENGTH } from './render.message';
import type {
  LinkProtocol,
  LinkToken,
  PlainTextOptions,
  RenderToken,
  TextToken,
  TokenizeOptions,
} from './render.types';

/** The only protocols a rendered link may have; everything else stays text. */
export const LINK_PROTOCOLS: readonly LinkProtocol[] = ['https:', 'mailto:', 'tel:'];

/** The `rel` of every rendered link: no `window.opener`, no referrer, no endorsement for crawlers. */
export const LINK_REL = 'noopener noreferrer nofollow';

/** Longer link targets are not links: real ones are far shorter, and it bounds the work per URL. */
const MAX_URL_LENGTH = 2048;
/**
 * Unclosed emphasis openers kept per line. Bounding it keeps every opener search O(1) (so tokenizing stays
 * linear) and bounds how deeply the token tree can nest; the oldest opener beyond it becomes literal text.
 */
const MAX_OPEN_EMPHASIS = 16;
const ELLIPSIS = '…';

// Single-character tests only: none of these regexes can backtrack.
const UNICODE_SPACE = /\s/;
const WORD_CHAR = /[\p{L}\p{N}]/u;
/** Invisible formatting characters (soft hyphen, zero-width, bidi controls, BOM) that could disguise a URL. */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;
const ASCII_PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
/** Characters that end a bare autolink (besides the characters `isUrlForbidden` rejects). */
const AUTOLINK_STOP = '<>"`[]{}|\\^';
/** Characters that end an inline link destination, which is written without spaces or brackets. */
const DESTINATION_STOP = '<>"`[]';
/** Punctuation at the end of a bare URL that belongs to the sentence, not to the URL. */
const AUTOLINK_TRAILING = '.,:;!?\'"*_~';
const TEL_CHARS = '0123456789+-.()';
const AUTOLINK_SCHEMES = ['https://', 'mailto:', 'tel:+'] as const;

type DelimiterText = '*' | '**' | '_';

/** An emphasis marker that has not (yet) been matched; it becomes literal text if it never is. */
interface Delimiter {
  readonly kind: 'delimiter';
  readonly text: DelimiterText;
}

type Item = RenderToken | Delimiter;

interface Opener {
  /** Position of its `Delimiter` in the line's item list. */
  readonly index: number;
  readonly text: DelimiterText;
}

interface ParseContext {
  /** Characters and items visited; tests use it to prove the tokenizer is linear. */
  steps: number;
  readonly markdown: boolean;
  readonly autolink: boolean;
}

function isUrlForbidden(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code <= 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  const char = text.charAt(index);
  return UNICODE_SPACE.test(char) || INVISIBLE.test(char);
}

function isWhitespaceOrEdge(char: string | undefined): boolean {
  return char === undefined || UNICODE_SPACE.test(char);
}

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && WORD_CHAR.test(char);
}

function isMailtoAddressList(path: string): boolean {
  if (path === '') return false;
  for (const address of path.split(',')) {
    const at = address.indexOf('@');
    if (at <= 0 || at !== address.lastIndexOf('@') || at === address.length - 1) return false;
  }
  return true;
}

/** A DNS name or IP address: WHATWG URL also accepts hosts like `ok.example'onmouseover='x`, we do not. */
function isPlainHost(hostname: string): boolean {
  if (hostname.startsWith('[')) return true; // IPv6 literal, already validated by the URL parser
  if (hostname === '') return false;
  for (let i = 0; i < hostname.length; i++) {
    const char = hostname.charAt(i);
    if (!((char >= 'a' && char <= 'z') || (char >= '0' && char <= '9') || char === '-' || char === '.'))
      return false;
  }
  return true;
}

function isTelNumber(path: string): boolean {
  let digits = 0;
  for (let i = 0; i < path.length; i++) {
    const char = path.charAt(i);
    if (char === '+' && i === 0) continue;
    if (char >= '0' && char <= '9') digits++;
    else if (char !== '-' && char !== '.' && char !== '(' && char !== ')') return false;
  }
  return digits >= 3 && digits <= 20;
}

/**
 * Returns the canonical `href` of `url` when it is an absolute `https:`, `mailto:` or `tel:` URL, and
 * `undefined` for anything else: other schemes (`javascript:`, `data:`, `vbscript:` in any spelling),
 * relative and protocol-relative (`//host`) URLs, entity or percent tricks (`java&#x73;cript:`), https URLs
 * with credentials (`https://bank.com@evil.com`), malformed mail addresses and phone numbers.
 *
 * Control, space and invisible characters are trimmed from both ends; anywhere inside they reject the URL
 * (rather than being stripped) so that the link goes exactly where its text says.
 *
 * @example
 * ```ts
 * sanitizeUrl(' HTTPS://Example.com '); // 'https://example.com/'
 * sanitizeUrl('java\tscript:alert(1)'); // undefined
 * ```
 */
export function sanitizeUrl(url: string): string | undefined {
  if (typeof url !== 'string') return undefined;
  let start = 0;
  let end = url.length;
  while (start < end && isUrlForbidden(url, start)) start++;
  while (end > start && isUrlForbidden(url, end - 1)) end--;
  if (end - start > MAX_URL_LENGTH) return undefined;
  for (let i = start; i < end; i++) if (isUrlForbidden(url, i)) return undefined;
  let parsed: URL;
  try {
    // No base URL: relative and protocol-relative URLs throw instead of resolving against the page.
    parsed = new URL(url.slice(start, end));
  } catch {
    return undefined;
  }
  switch (parsed.protocol) {
    case 'https:':
      return isPlainHost(parsed.hostname) && parsed.username === '' && parsed.password === ''
        ? parsed.href
        : undefined;
    case 'mailto:':
      return isMailtoAddressList(parsed.pathname) ? parsed.href : undefined;
    case 'tel:':
      return isTelNumber(parsed.pathname) ? parsed.href : undefined;
    default:
      return undefined;
  }
}

function textToken(text: string): TextToken {
  return { kind: 'text', text };
}

/** Turns unmatched delimiters into text and merges adjacent text, so no empty or split text tokens remain. */
function finalize(context: ParseContext, items: readonly Item[]): RenderToken[] {
  const tokens: RenderToken[] = [];
  for (const item of items) {
    context.steps++;
    const token = item.kind === 'delimiter' ? textToken(item.text) : item;
    if (token.kind === 'text') {
      if (token.text === '') continue;
      const last = tokens[tokens.length - 1];
      if (last?.kind === 'text') {
        tokens[tokens.length - 1] = textToken(last.text + token.text);
        continue;
      }
    }
    tokens.push(token);
  }
  return tokens;
}

function runLength(context: ParseContext, src: string, start: number, end: number): number {
  const char = src.charAt(start);
  let i = start;
  while (i < end && src.charAt(i) === char) {
    context.steps++;
    i++;
  }
  return i - start;
}

/**
 * Maps the start of every backtick run to the start of the next run of the same length (its closer),
 * in one pass: searching forward from each opener instead would be quadratic on runs of distinct lengths.
 */
function findCodeClosers(
  context: ParseContext,
  src: string,
  start: number,
  end: number,
): Map<number, number> {
  const closers = new Map<number, number>();
  const runs: { start: number; length: number }[] = [];
  // A bounded loop, not `indexOf`: that would scan past `end` to the end of the text on every line.
  for (let i = start; i < end; ) {
    context.steps++;
    if (src.charAt(i) !== '`') {
      i++;
      continue;
    }
    const length = runLength(context, src, i, end);
    runs.push({ start: i, length });
    i += length;
  }
  const nextByLength = new Map<number, number>();
  for (let r = runs.length - 1; r >= 0; r--) {
    context.steps++;
    const run = runs[r];
    if (run === undefined) continue;
    const closer = nextByLength.get(run.length);
    if (closer !== undefined) closers.set(run.start, closer);
    nextByLength.set(run.length, run.start);
  }
  return closers;
}

function nearestOpener(context: ParseContext, openers: readonly Opener[], char: string): number {
  for (let k = openers.length - 1; k >= 0; k--) {
    context.steps++;
    if (openers[k]?.text.charAt(0) === char) return k;
  }
  return -1;
}

/** Wraps everything after opener `k` into one emphasis token; openers above `k` become literal text. */
function closeEmphasis(context: ParseContext, items: Item[], openers: Opener[], k: number): boolean {
  const opener = openers[k];
  if (opener === undefined || opener.index === items.length - 1) return false;
  // The opener's content is always the tail of `items`, so each item is moved into a token at most once.
  const inner = items.splice(opener.index + 1);
  items.pop();
  openers.length = k;
  items.push({ kind: opener.text === '**' ? 'strong' : 'em', children: finalize(context, inner) });
  return true;
}

function pushOpener(items: Item[], openers: Opener[], text: DelimiterText): void {
  if (openers.length >= MAX_OPEN_EMPHASIS) openers.shift();
  items.push({ kind: 'delimiter', text });
  openers.push({ index: items.length - 1, text });
}

/** As in CommonMark, one space on each side is padding (it lets code start or end with a backtick). */
function stripCodePadding(code: string): string {
  const padded = code.length >= 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '';
  return padded ? code.slice(1, -1) : code;
}

/** Handles a run of `*` or `_` with CommonMark-like flanking rules, simplified (no rule of three). */
function handleDelimiterRun(
  context: ParseContext,
  src: string,
  at: number,
  run: number,
  segmentStart: number,
  segmentEnd: number,
  items: Item[],
  openers: Opener[],
): void {
  const char = src.charAt(at);
  // `***` is strong + em; longer runs of `*` and any run of `__` (`__init__`, rules) stay literal.
  if (run > (char === '*' ? 3 : 1)) {
    items.push(textToken(src.slice(at, at + run)));
    return;
  }
  const before = at > segmentStart ? src.charAt(at - 1) : undefined;
  const after = at + run < segmentEnd ? src.charAt(at + run) : undefined;
  // `_` may not open or close inside a word, so snake_case_names stay text.
  const canOpen = !isWhitespaceOrEdge(after) && (char === '*' || !isWordChar(before));
  const canClose = !isWhitespaceOrEdge(before) && (char === '*' || !isWordChar(after));
  let remaining = run;
  while (canClose && remaining > 0) {
    const k = nearestOpener(context, openers, char);
    const size = openers[k]?.text.length ?? Number.POSITIVE_INFINITY;
    if (size > remaining || !closeEmphasis(context, items, openers, k)) break;
    remaining -= size;
  }
  if (remaining === 0) return;
  if (!canOpen) {
    items.push(textToken(char.repeat(remaining)));
    return;
  }
  if (remaining >= 2) pushOpener(items, openers, '**');
  if (remaining % 2 === 1) pushOpener(items, openers, char === '*' ? '*' : '_');
}

interface ParsedLink {
  readonly token: LinkToken;
  readonly end: number;
}

interface ParsedAutolink {
  /** `undefined` when the scanned URL did not sanitize: the range is then plain text. */
  readonly token: LinkToken | undefined;
  readonly end: number;
}

/** `[label](url)` at `at`; `undefined` when it is not a well-formed link to an allowed URL. */
function parseLink(context: ParseContext, src: string, at: number, end: number): ParsedLink | undefined {
  let close = at + 1;
  // Labels hold no brackets, so the scans of successive `[` never overlap.
  while (close < end && src.charAt(close) !== ']' && src.charAt(close) !== '[') {
    context.steps++;
    close++;
  }
  if (close + 1 >= end || src.charAt(close) !== ']' || src.charAt(close + 1) !== '(') return undefined;
  if (src.slice(at + 1, close).trim() === '') return undefined;
  let depth = 0;
  let stop = close + 2;
  for (; stop < end; stop++) {
    context.steps++;
    const char = src.charAt(stop);
    if (char === '(') depth++;
    else if (char === ')') {
      if (depth === 0) break;
      depth--;
    } else if (DESTINATION_STOP.includes(char) || isUrlForbidden(src, stop)) return undefined;
  }
  if (stop >= end) return undefined;
  const href = sanitizeUrl(src.slice(close + 2, stop));
  if (href === undefined) return undefined;
  return {
    token: { kind: 'link', href, children: parseInline(context, src, at + 1, close, false) },
    end: stop + 1,
  };
}

function autolinkScheme(src: string, at: number): string | undefined {
  for (const scheme of AUTOLINK_SCHEMES) {
    if (src.slice(at, at + scheme.length).toLowerCase() === scheme) return scheme;
  }
  return undefined;
}

/**
 * A bare `https://…`, `mailto:…` or `tel:+…` at `at`. The scanned range is consumed either way: as a link
 * when it sanitizes, as text when it does not (so no character is scanned twice).
 */
function parseAutolink(
  context: ParseContext,
  src: string,
  at: number,
  end: number,
): ParsedAutolink | undefined {
  const scheme = autolinkScheme(src, at);
  if (scheme === undefined) return undefined;
  const isTel = scheme === 'tel:+';
  let stop = at + scheme.length;
  let opened = 0;
  let closed = 0;
  while (stop < end) {
    const char = src.charAt(stop);
    const ends = isTel
      ? !TEL_CHARS.includes(char)
      : AUTOLINK_STOP.includes(char) || isUrlForbidden(src, stop);
    if (ends) break;
    context.steps++;
    if (char === '(') opened++;
    else if (char === ')') closed++;
    stop++;
  }
  while (stop > at + scheme.length) {
    context.steps++;
    const last = src.charAt(stop - 1);
    if (AUTOLINK_TRAILING.includes(last) || (isTel && (last === '-' || last === '('))) stop--;
    else if (last === ')' && closed > opened) {
      closed--;
      stop--;
    } else break;
  }
  const raw = src.slice(at, stop);
  const href = sanitizeUrl(raw);
  return {
    token: href === undefined ? undefined : { kind: 'link', href, children: [textToken(raw)] },
    end: stop,
  };
}

/** Tokenizes one line (or one link label, with `allowLinks` false) of `src` between `start` and `end`. */
function parseInline(
  context: ParseContext,
  src: string,
  start: number,
  end: number,
  allowLinks: boolean,
): RenderToken[] {
  const items: Item[] = [];
  const openers: Opener[] = [];
  const codeClosers = context.markdown ? findCodeClosers(context, src, start, end) : undefined;
  const autolink = allowLinks && context.autolink;
  let textStart = start;
  const flushText = (to: number) => {
    if (to > textStart) items.push(textToken(src.slice(textStart, to)));
  };
  let i = start;
  while (i < end) {
    context.steps++;
    const char = src.charAt(i);
    if (context.markdown) {
      const next = i + 1 < end ? src.charAt(i + 1) : '';
      if (char === '\\' && next !== '' && ASCII_PUNCTUATION.includes(next)) {
        flushText(i);
        items.push(textToken(next));
        i += 2;
        textStart = i;
        continue;
      }
      if (char === '`') {
        const run = runLength(context, src, i, end);
        const closer = codeClosers?.get(i);
        if (closer !== undefined) {
          flushText(i);
          items.push({ kind: 'code', text: stripCodePadding(src.slice(i + run, closer)) });
          textStart = closer + run;
        }
        i = closer === undefined ? i + run : closer + run;
        continue;
      }
      if (char === '*' || char === '_') {
        const run = runLength(context, src, i, end);
        flushText(i);
        handleDelimiterRun(context, src, i, run, start, end, items, openers);
        i += run;
        textStart = i;
        continue;
      }
      // `![alt](src)` is image syntax, which is not supported: it stays text rather than becoming a link.
      if (char === '[' && allowLinks && (i === start || src.charAt(i - 1) !== '!')) {
        const link = parseLink(context, src, i, end);
        if (link !== undefined) {
          flushText(i);
          items.push(link.token);
          i = link.end;
          textStart = i;
          continue;
        }
      }
    }
    if (autolink && 'hHmMtT'.includes(char) && !isWordChar(i > start ? src.charAt(i - 1) : undefined)) {
      const link = parseAutolink(context, src, i, end);
      if (link !== undefined) {
        if (link.token !== undefined) {
          flushText(i);
          items.push(link.token);
          textStart = link.end;
        }
        i = Math.max(link.end, i + 1);
        continue;
      }
    }
    i++;
  }
  flushText(end);
  return finalize(context, items);
}

function truncate(text: string, maxLength: number): { text: string; truncated: boolean } {
  // Written so that a NaN limit means no limit rather than an empty message.
  if (!(text.length > maxLength)) return { text, truncated: false };
  let cut = Math.max(0, Math.floor(maxLength));
  const lastCode = text.charCodeAt(cut - 1);
  // Never cut a surrogate pair in half.
  if (lastCode >= 0xd800 && lastCode <= 0xdbff) cut--;
  return { text: text.slice(0, cut), truncated: true };
}

/**
 * `tokenize` plus the number of steps it took, for tests that prove it is linear.
 *
 * @internal
 */
export function tokenizeWithStats(
  input: string,
  options: TokenizeOptions = {},
): { tokens: RenderToken[]; steps: number } {
  const context: ParseContext = {
    steps: 0,
    markdown: options.markdown ?? true,
    autolink: options.autolink ?? true,
  };
  const { text, truncated } = truncate(
    typeof input === 'string' ? input : '',
    options.maxLength ?? DEFAULT_MAX_LENGTH,
  );
  const tokens: RenderToken[] = [];
  let lineStart = 0;
  for (let i = 0; i <= text.length; i++) {
    context.steps++;
    const code = text.charCodeAt(i);
    if (i < text.length && code !== 0x0a && code !== 0x0d) continue;
    // Emphasis, code and links never span lines: each line is parsed on its own.
    // A loop, not spread: one line can hold more tokens than a call can take arguments.
    for (const token of parseInline(context, text, lineStart, i, true)) tokens.push(token);
    if (i === text.length) break;
    tokens.push({ kind: 'break' });
    if (code === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    lineStart = i + 1;
  }
  if (truncated) tokens.push(textToken(ELLIPSIS));
  return { tokens: finalize(context, tokens), steps: context.steps };
}

/**
 * Turns untrusted message text into safe render tokens: text, line breaks and a tiny markdown subset
 * (`**strong**`, `*em*` / `_em_`, `` `code` ``, `[label](https://…)`, bare `https://`, `mailto:` and `tel:+`
 * links, `\` escapes). Anything else, HTML included, stays literal text; a link to any URL that
 * `sanitizeUrl` refuses stays text too. Linear time on any input.
 *
 * Use `renderToDom` (or `renderMessage`) to show the tokens, `toPlainText` for notifications and aria labels.
 *
 * @example
 * ```ts
 * tokenize('**Hi** see https://example.com');
 * // [{ kind: 'strong', children: [{ kind: 'text', text: 'Hi' }] }, { kind: 'text', text: ' see ' },
 * //  { kind: 'link', href: 'https://example.com/', children: [{ kind: 'text', text: 'https://example.com' }] }]
 * ```
 */
export function tokenize(text: string, options?: TokenizeOptions): RenderToken[] {
  return tokenizeWithStats(text, options).tokens;
}

function appendPlainText(tokens: readonly RenderToken[], parts: string[], linkTargets: boolean): void {
  for (const token of tokens) {
    switch (token.kind) {
      case 'text':
      case 'code':
        parts.push(token.text);
        break;
      case 'break':
        parts.push('\n');
        break;
      case 'strong':
      case 'em':
        appendPlainText(token.children, parts, linkTargets);
        break;
      case 'link': {
        const label: string[] = [];
        appendPlainText(token.children, label, false);
        const text = label.join('');
        parts.push(text);
        if (linkTargets && sanitizeUrl(text) !== token.href) parts.push(` <${token.href}>`);
        break;
      }
    }
  }
}

/**
 * Flattens tokens to the text a reader sees, without markup: for notifications, aria labels, previews and
 * (with `linkTargets`) plain-text transcripts. Breaks become `\n`.
 *
 * @example
 * ```ts
 * toPlainText(tokenize('**Order** [#42](https://shop.example/42)'), { linkTargets: true });
 * // 'Order #42 <https://shop.example/42>'
 * ```
 */
export function toPlainText(tokens: readonly RenderToken[], options: PlainTextOptions = {}): string {
  const parts: string[] = [];
  appendPlainText(tokens, parts, options.linkTargets ?? false);
  return parts.join('');
}
