// What an attachment is on the wire and in the domain, and the rules a site sets for them. The bytes never travel
// over the socket: a client uploads them over HTTP (`uploadAttachment`), gets an {@link AttachmentRef} back, and a
// message names the refs it carries. The server then binds each one to that message's conversation.

/**
 * A file attached to a message, as every party sees it: the server's facts about the stored bytes, never the
 * client's claims (the type is what the content's first bytes show, the size is what was stored).
 *
 * @example
 * ```ts
 * const ref = await session.upload(cid, file, { onProgress: (sent, total) => bar(sent / total) });
 * await session.sendMessage(cid, 'Here is the invoice', { attachments: [ref] });
 * ```
 */
export interface AttachmentRef {
  /** Opaque id; the download path is `/v1/attachments/{id}`. */
  readonly id: string;
  /** The file name as the sender chose it, cleaned of control characters and path parts. Always shown as text. */
  readonly name: string;
  /** MIME type found in the content (`image/png`), or `application/octet-stream` when nothing is recognised. */
  readonly type: string;
  /** Size in bytes. */
  readonly size: number;
  /** SHA-256 of the content, lower-case hex, once the upload completed. */
  readonly sha256?: string | undefined;
  /** Width in pixels, for the raster images the server can read (png, jpeg, gif, webp). */
  readonly width?: number | undefined;
  /** Height in pixels, with {@link AttachmentRef.width}. */
  readonly height?: number | undefined;
}

/**
 * What a site accepts: an allow-list of types and a size limit. The client checks it before uploading (a quick
 * answer), the server again on what it received (the answer that counts).
 *
 * @example
 * ```ts
 * const policy: AttachmentPolicy = { types: ['image/*', 'application/pdf'], maxBytes: 10 * 1024 * 1024, maxPerMessage: 5 };
 * ```
 */
export interface AttachmentPolicy {
  /** MIME types allowed: exact (`application/pdf`) or a whole family (`image/*`). Empty: attachments are off. */
  readonly types: readonly string[];
  /** Largest file, in bytes. */
  readonly maxBytes: number;
  /** Most attachments in one message. */
  readonly maxPerMessage: number;
}

/** What is known of a file before its upload: what a browser's `File` says about itself. */
export interface AttachmentCandidate {
  readonly name: string;
  /** The type the browser or the sender declares; `''` when unknown. */
  readonly type: string;
  readonly size: number;
}
