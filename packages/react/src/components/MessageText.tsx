'use client';
import { LINK_REL, type RenderToken, sanitizeUrl, tokenize } from '@helpline/core';
import { Fragment, type ReactNode, useMemo } from 'react';

/** Props of {@link MessageText}. */
export interface MessageTextProps {
  /** Untrusted text (a message, a name); rendered as text, never as HTML. */
  readonly text: string;
  /** Render the markdown subset (`**strong**`, `*em*`, `` `code` ``, links). Turn off for names. Default `true`. */
  readonly markdown?: boolean | undefined;
}

/**
 * Renders untrusted message text through core's safe tokenizer to React elements: text nodes, `<strong>`,
 * `<em>`, `<code>`, `<br>` and links restricted to `https:`, `mailto:` and `tel:` with
 * `rel="noopener noreferrer nofollow"`. No HTML is ever parsed (no `dangerouslySetInnerHTML`).
 *
 * @example
 * ```tsx
 * <MessageText text={message.text} />
 * ```
 */
export function MessageText({ text, markdown = true }: MessageTextProps): ReactNode {
  const tokens = useMemo(() => tokenize(text, { markdown }), [text, markdown]);
  return renderTokens(tokens);
}

function renderTokens(tokens: readonly RenderToken[]): ReactNode[] {
  // Tokens have no identity of their own and are rebuilt whenever the text changes: position is the key.
  // biome-ignore lint/suspicious/noArrayIndexKey: see above
  return tokens.map((token, index) => <Fragment key={index}>{renderToken(token)}</Fragment>);
}

function renderToken(token: RenderToken): ReactNode {
  switch (token.kind) {
    case 'text':
      return token.text;
    case 'break':
      return <br />;
    case 'code':
      return <code>{token.text}</code>;
    case 'strong':
      return <strong>{renderTokens(token.children)}</strong>;
    case 'em':
      return <em>{renderTokens(token.children)}</em>;
    case 'link': {
      // The tokenizer already allowlisted the href; checking again costs nothing and guards against a token
      // tree built by hand.
      const href = sanitizeUrl(token.href);
      if (href === undefined) return renderTokens(token.children);
      return (
        <a href={href} rel={LINK_REL} {...(href.startsWith('https:') ? { target: '_blank' } : {})}>
          {renderTokens(token.children)}
        </a>
      );
    }
  }
}
