/** The only URL protocols a rendered link may have (as `URL#protocol` spells them). */
export type LinkProtocol = 'https:' | 'mailto:' | 'tel:';

/** A run of literal text; it is always shown as text, never parsed as HTML. */
export interface TextToken {
  readonly kind: 'text';
  readonly text: string;
}

/** `**strong**` or `*em*` / `_em_`: emphasis around inline children. */
export interface EmphasisToken {
  readonly kind: 'strong' | 'em';
  readonly children: readonly RenderToken[];
}

/** `` `code` ``: literal text shown as code; markdown inside it is not parsed. */
export interface CodeToken {
  readonly kind: 'code';
  readonly text: string;
}

/**
 * A link whose `href` has already passed `sanitizeUrl`: an absolute `https:`, `mailto:` or `tel:` URL in
 * its canonical `URL#href` form. Its label never contains another link.
 */
export interface LinkToken {
  readonly kind: 'link';
  readonly href: string;
  readonly children: readonly RenderToken[];
}

/** A line break from `\n`, `\r\n` or `\r` in the source text. */
export interface BreakToken {
  readonly kind: 'break';
}

/** One node of the safe token tree that `tokenize` produces and `renderToDom` turns into DOM nodes. */
export type RenderToken = TextToken | EmphasisToken | CodeToken | LinkToken | BreakToken;

/** What `tokenize` recognises besides plain text and line breaks. */
export interface TokenizeOptions {
  /**
   * Parse the markdown subset (`**strong**`, `*em*`, `_em_`, `` `code` ``, `[label](url)`, `\` escapes).
   * Turn it off for names, file names and other labels that must stay verbatim. Default `true`.
   */
  readonly markdown?: boolean | undefined;
  /** Turn bare `https://…`, `mailto:…` and `tel:+…` into links. Default `true`. */
  readonly autolink?: boolean | undefined;
  /**
   * Longest input rendered, in UTF-16 code units; the rest is cut at a code point boundary and replaced by
   * `…`. Tokenizing is linear either way; the cap bounds the DOM it produces. Default 100,000.
   */
  readonly maxLength?: number | undefined;
}

/** How `toPlainText` flattens tokens. */
export interface PlainTextOptions {
  /**
   * Append ` <href>` after a link whose label is not already its URL, so that transcripts keep where a
   * link pointed. Default `false` (notifications and aria labels want the label only).
   */
  readonly linkTargets?: boolean | undefined;
}
