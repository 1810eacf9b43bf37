import type { AttachmentPolicy } from './attachment.types';

/** Fixed limits of attachments, whatever a site allows. */
export const ATTACHMENT_LIMITS = {
  /** Longest file name kept, in characters (longer names are cut, keeping the extension). */
  name: 255,
  /** Longest MIME type. */
  type: 127,
  /** Most attachments one message may carry, whatever a site says. */
  perMessage: 10,
  /** Largest file any site may allow: 1 GiB. */
  maxBytes: 1024 * 1024 * 1024,
  /** Size of one upload chunk the client sends. */
  chunkBytes: 1024 * 1024,
} as const;

/**
 * The raster image types a UI may show inline (a thumbnail, a preview): the browser decodes them as pixels and
 * nothing else. Never SVG, which is a document that can carry script.
 */
export const PREVIEW_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

/**
 * What a voicemail's recording may be, whatever the site allows in chats: one audio file (a browser's MediaRecorder
 * writes WebM/Opus or MP4/AAC, Vonage writes MP3 or WAV), at most 10 MiB (ten minutes of Opus take about 2.4 MB).
 */
export const VOICEMAIL_ATTACHMENT_POLICY: AttachmentPolicy = {
  types: ['audio/webm', 'audio/ogg', 'audio/mp4', 'audio/mpeg', 'audio/wav'],
  maxBytes: 10 * 1024 * 1024,
  maxPerMessage: 1,
};

/** The policy of a site that configures none: common images, PDF and plain text up to 10 MB, 5 per message. */
export const DEFAULT_ATTACHMENT_POLICY: AttachmentPolicy = {
  types: [...PREVIEW_TYPES, 'application/pdf', 'text/plain'],
  maxBytes: 10 * 1024 * 1024,
  maxPerMessage: 5,
};
