'use client';
import type { Channel } from '@helpline/core';
import type { ReactNode } from 'react';
import { useTranslator } from '../i18n/translator';
import { ICON_PATHS } from './icons';
import { channelLabel, cx } from './shared';

// Channel glyphs as inline SVG (Material Symbols shapes, Apache-2.0, and two simple drawings for WhatsApp and
// Messenger — not their trademarked logos): nothing to fetch, nothing for a CSP to block. Always next to the label.
const CHANNEL_PATHS: Readonly<Record<Channel, string>> = {
  chat: 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z',
  voice: ICON_PATHS.answer,
  callback:
    'M20 15.5c-1.25 0-2.45-.2-3.57-.57a1 1 0 0 0-1.02.24l-2.2 2.2a15.05 15.05 0 0 1-6.59-6.59l2.2-2.21a.96.96 0 0 0 .25-1A11.36 11.36 0 0 1 8.5 4c0-.55-.45-1-1-1H4c-.55 0-1 .45-1 1 0 9.39 7.61 17 17 17 .55 0 1-.45 1-1v-3.5c0-.55-.45-1-1-1zM19 12h2a9 9 0 0 0-9-9v2c3.87 0 7 3.13 7 7zm-4 0h2c0-2.76-2.24-5-5-5v2c1.66 0 3 1.34 3 3z',
  'offline-message':
    'M19 3H5c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2zm0 12h-4c0 1.66-1.35 3-3 3s-3-1.34-3-3H5V5h14v10z',
  // A voicemail: the tape-reels glyph.
  voicemail:
    'M18.5 6A5.5 5.5 0 0 0 14.3 15h-4.6A5.5 5.5 0 1 0 5.5 17h13a5.5 5.5 0 0 0 0-11zm-13 9a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7zm13 0a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
  email:
    'M20 4H4c-1.1 0-2 .9-2 2v12c0 1.1.9 2 2 2h16c1.1 0 2-.9 2-2V6c0-1.1-.9-2-2-2zm0 4-8 5-8-5V6l8 5 8-5v2z',
  sms: 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM9 11H7V9h2v2zm4 0h-2V9h2v2zm4 0h-2V9h2v2z',
  whatsapp:
    'M12 2a10 10 0 0 0-8.66 15L2 22l5.13-1.33A10 10 0 1 0 12 2zm0 18.2a8.2 8.2 0 0 1-4.18-1.15l-.3-.18-3.04.8.81-2.97-.2-.31A8.2 8.2 0 1 1 12 20.2zm4.5-6.14c-.25-.12-1.46-.72-1.69-.8-.22-.09-.39-.13-.55.12-.16.25-.64.8-.78.96-.15.17-.29.19-.54.06a6.7 6.7 0 0 1-3.32-2.9c-.25-.43.25-.4.72-1.33.08-.16.04-.3-.02-.43-.06-.12-.55-1.33-.76-1.82-.2-.48-.4-.41-.55-.42h-.47a.9.9 0 0 0-.65.3c-.22.25-.86.84-.86 2.04s.88 2.37 1 2.53c.12.17 1.73 2.64 4.2 3.7 1.56.68 2.17.73 2.95.62.48-.07 1.46-.6 1.66-1.17.2-.58.2-1.07.15-1.17-.07-.11-.23-.17-.49-.3z',
  messenger:
    'M12 2C6.36 2 2 6.13 2 11.7c0 2.91 1.2 5.42 3.14 7.16V22l2.92-1.6c.94.26 1.92.4 2.94.4 5.64 0 10-4.13 10-9.7S17.64 2 12 2zm1 12.9-2.54-2.72-4.97 2.72 5.47-5.8 2.6 2.7 4.9-2.7-5.46 5.8z',
};

/**
 * The glyph of a channel (`aria-hidden`): decorative, the channel's name is always written next to it. Unknown
 * channels get the chat bubble.
 */
export function ChannelIcon({ channel }: { readonly channel: Channel | (string & {}) }): ReactNode {
  const path = CHANNEL_PATHS[channel as Channel] ?? CHANNEL_PATHS.chat;
  return (
    <svg
      className="helpline-icon helpline-channel__icon"
      viewBox="0 0 24 24"
      width="16"
      height="16"
      aria-hidden="true"
      focusable="false"
    >
      <path d={path} fill="currentColor" />
    </svg>
  );
}

/** Props of {@link ChannelBadge}. */
export interface ChannelBadgeProps {
  readonly channel: Channel | (string & {});
  readonly className?: string | undefined;
}

/**
 * A channel as agents recognize it in an inbox: its glyph and its name from the catalog ("Email", "WhatsApp"…),
 * with `data-channel` for theming (`.helpline-channel[data-channel='whatsapp']`).
 *
 * @example
 * ```tsx
 * <ChannelBadge channel={interaction.channel} />
 * ```
 */
export function ChannelBadge({ channel, className }: ChannelBadgeProps): ReactNode {
  const i18n = useTranslator();
  return (
    <span className={cx('helpline-channel', className)} data-channel={channel}>
      <ChannelIcon channel={channel} />
      <span className="helpline-channel__label">{channelLabel(i18n, channel)}</span>
    </span>
  );
}
