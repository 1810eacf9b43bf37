import {
  type AttachmentRef,
  type AttachmentUploader,
  cleanFileName,
  createAttachmentUploader,
  PREVIEW_TYPES,
} from '@helpline/core';
import { css, html, nothing, type TemplateResult } from 'lit';
import { ref } from 'lit/directives/ref.js';
import { downloadText } from '../chat/transcript';
import type { PanelContext } from '../panel/context';
import type { WidgetModel } from '../panel/widget.model';
import { type AttachmentTextKey, attachmentText, formatSize } from './attachments.i18n';

// The chat's attachment UI, a chunk of its own: the panel loads it on the first pick, drop or paste, or when a
// message with files arrives. Core's upload client checks each file against the site's allow-list (its size and
// its first bytes) before a byte is sent, uploads in chunks and resumes after a dropped connection; files are
// fetched with the bearer token and shown through blob: URLs, never with the token in a URL.

/** A file on its way up, or refused: view-local state of the composer. */
interface Upload {
  readonly key: number;
  /** The cleaned file name, shown as text. */
  readonly name: string;
  readonly total: number;
  stored: number;
  readonly controller: AbortController;
  /** The refusal, in the visitor's language. */
  error?: string;
}

/** One upload client and one list of uploads per panel (its model). */
const clients = new WeakMap<WidgetModel, AttachmentUploader>();
const lists = new WeakMap<WidgetModel, Upload[]>();
/** Preview blob: URLs by attachment id (`''` when the preview could not be fetched). */
const previews = new Map<string, string>();
let nextKey = 0;

function clientOf(ctx: PanelContext): AttachmentUploader | undefined {
  let client = clients.get(ctx.model);
  const settings = ctx.uploads?.attachments;
  if (!client && ctx.uploads && settings) {
    const { token } = ctx.uploads;
    client = createAttachmentUploader({
      ...settings,
      token: async () => (typeof token === 'function' ? token() : token),
    });
    clients.set(ctx.model, client);
  }
  return client;
}

function uploadsOf(ctx: PanelContext): Upload[] {
  let list = lists.get(ctx.model);
  if (!list) {
    list = [];
    lists.set(ctx.model, list);
  }
  return list;
}

function text(ctx: PanelContext, key: AttachmentTextKey, params?: Readonly<Record<string, string>>): string {
  return attachmentText(ctx.i18n.locale, key, params);
}

function drop(ctx: PanelContext, upload: Upload): void {
  const list = uploadsOf(ctx);
  list.splice(list.indexOf(upload), 1);
  ctx.requestUpdate();
}

/** The refusal of `file` in the visitor's language (the typed error's code picks the text). */
async function refusalText(ctx: PanelContext, cid: string, file: File, error: unknown): Promise<string> {
  const name = cleanFileName(file.name);
  switch ((error as { code?: unknown }).code) {
    case 'attachment/too-large': {
      const policy = await clientOf(ctx)
        ?.policyOf(cid)
        .catch(() => undefined);
      const locale = ctx.i18n.locale;
      return text(ctx, 'tooLarge', {
        name,
        size: formatSize(locale, file.size),
        max: policy ? formatSize(locale, policy.maxBytes) : '',
      });
    }
    case 'attachment/type-not-allowed':
    case 'attachment/type-mismatch':
    case 'attachment/disabled':
      return text(ctx, 'typeNotAllowed', { name });
    case 'attachment/empty':
      return text(ctx, 'empty', { name });
    case 'attachment/rejected':
      return text(ctx, 'rejected', { name });
    default:
      return text(ctx, 'failed', { name });
  }
}

async function uploadOne(
  ctx: PanelContext,
  client: AttachmentUploader,
  cid: string,
  file: File,
): Promise<void> {
  const upload: Upload = {
    key: nextKey++,
    name: cleanFileName(file.name),
    total: file.size,
    stored: 0,
    controller: new AbortController(),
  };
  uploadsOf(ctx).push(upload);
  ctx.requestUpdate();
  const { signal } = upload.controller;
  try {
    const ref = await client.upload(cid, file, {
      signal,
      onProgress: (stored) => {
        upload.stored = stored;
        ctx.requestUpdate();
      },
    });
    drop(ctx, upload);
    // A message of its own: the file shows in the log at once, and waits in the outbox when offline.
    await ctx.model.session.sendMessage('', { attachments: [ref] });
  } catch (error) {
    if (signal.aborted) return drop(ctx, upload);
    upload.error = await refusalText(ctx, cid, file, error);
    ctx.requestUpdate();
  }
}

/** The panel's latest render context, by its shadow root: what drop and paste use. */
const contexts = new WeakMap<Node, PanelContext>();

/** Files dropped on the panel or pasted into it go to the chat, while it takes them (its attach button shows). */
function onFileEvent(event: Event): void {
  const root = event.currentTarget as ShadowRoot;
  const ctx = contexts.get(root);
  const { dataTransfer, clipboardData } = event as DragEvent & ClipboardEvent;
  const files = (dataTransfer ?? clipboardData)?.files;
  if (!ctx || !root.querySelector('[part~="attach"]')) return;
  if (event.type === 'dragover' || files?.length) event.preventDefault();
  if (event.type !== 'dragover') attach(ctx, files);
}

/** Takes the panel's shadow root (the root of `element`): this chunk's styles, drop and paste. */
function install(element: Element | undefined, ctx: PanelContext): void {
  const root = element?.getRootNode();
  if (!(root instanceof ShadowRoot)) return;
  if (!contexts.has(root)) {
    for (const type of ['dragover', 'drop', 'paste']) root.addEventListener(type, onFileEvent);
    const sheet = attachmentStyles.styleSheet;
    if (sheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }
  contexts.set(root, ctx);
}

/** A file picker, opened from the attach button (this runs within the click's user activation). */
function pick(ctx: PanelContext): void {
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = true;
  input.addEventListener('change', () => attach(ctx, input.files));
  input.click();
}

/**
 * Uploads `files` into the current conversation and sends each as a message once stored; `undefined` opens the file
 * picker first, `null` does nothing (the panel only loaded this chunk). A refused file stays in the list with its
 * reason (announced), until dismissed. The panel re-renders.
 */
export function attach(ctx: PanelContext, files?: FileList | null): void {
  if (files === undefined) {
    pick(ctx);
    return;
  }
  const client = clientOf(ctx);
  const { session } = ctx.model;
  const cid = session.$conversation.get()?.cid;
  if (client && cid !== undefined) for (const file of files ?? []) void uploadOne(ctx, client, cid, file);
  ctx.requestUpdate();
}

/** The uploads in progress (a progress bar and "Cancel" each) and the refusals (an alert and "Dismiss"). */
export function renderUploads(ctx: PanelContext): TemplateResult {
  const list = uploadsOf(ctx);
  return html`<ul part="uploads" ${ref((element) => install(element, ctx))}>
    ${list.map((upload) =>
      upload.error === undefined
        ? html`<li part="upload">
            <span part="file-name" dir="auto">${upload.name}</span>
            <progress
              max=${upload.total}
              .value=${upload.stored}
              aria-label=${text(ctx, 'uploading', { name: upload.name })}
            ></progress>
            <button
              part="button cancel-upload"
              type="button"
              aria-label=${text(ctx, 'cancelUpload', { name: upload.name })}
              @click=${() => upload.controller.abort()}
            >
              ${text(ctx, 'cancel')}
            </button>
          </li>`
        : html`<li part="upload upload-refused">
            <p part="error" role="alert" dir="auto">${upload.error}</p>
            <button part="button dismiss-upload" type="button" @click=${() => drop(ctx, upload)}>
              ${text(ctx, 'dismiss')}
            </button>
          </li>`,
    )}
  </ul>`;
}

/** A small preview of an image attachment, fetched once with the token and shown through a blob: URL. */
function thumbnail(ctx: PanelContext, file: AttachmentRef): TemplateResult | typeof nothing {
  if (!PREVIEW_TYPES.includes(file.type)) return nothing;
  const url = previews.get(file.id);
  if (url === undefined) {
    previews.set(file.id, '');
    clientOf(ctx)
      ?.fetchFile(file.id, { preview: true })
      .then(
        (blob) => {
          previews.set(file.id, URL.createObjectURL(blob));
          ctx.requestUpdate();
        },
        () => undefined, // No preview: the download link still works.
      );
    return nothing;
  }
  // Loaded after the render that added it, the image makes the log taller: a render keeps the log at its end.
  return url ? html`<img part="thumbnail" src=${url} alt="" @load=${ctx.requestUpdate} />` : nothing;
}

async function download(ctx: PanelContext, file: AttachmentRef): Promise<void> {
  const client = clientOf(ctx);
  if (!client) return;
  try {
    downloadText(await client.fetchFile(file.id), file.name);
  } catch (error) {
    ctx.model.fail(error);
  }
}

/** The files of a message: a thumbnail for images, the name (text) as a download button, the size. */
export function renderFiles(ctx: PanelContext, files: readonly AttachmentRef[]): TemplateResult {
  const locale = ctx.i18n.locale;
  return html`<ul part="files" ${ref((element) => install(element, ctx))}>
    ${files.map(
      (file) => html`<li part="file">
        ${thumbnail(ctx, file)}
        <button part="file-download" type="button" @click=${() => download(ctx, file)}>
          <span part="file-name" dir="auto">${file.name}</span>
          <span class="visually-hidden">${text(ctx, 'download')}</span>
        </button>
        <span part="file-size">${formatSize(locale, file.size)}</span>
      </li>`,
    )}
  </ul>`;
}

/**
 * The attach button's paperclip, drawn (an emoji needs a font the visitor's system may lack). It comes with this
 * chunk, which a composer that takes files loads at once, to keep the chat's first open within its budget.
 */
export const paperclip = html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16 7v9a4 4 0 0 1-8 0V6a3 3 0 0 1 6 0v9a1 1 0 0 1-2 0V8" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" /></svg>`;

/** The styles of the attachment UI, adopted by the panel when this chunk loads. */
export const attachmentStyles = css`
  [part~='uploads']:empty,
  [part~='text']:empty {
    display: none;
  }
  [part~='attach'] {
    padding: 8px 10px;
    border: 1px solid var(--_border);
    border-radius: 10px;
    background: transparent;
    font-size: 18px;
    line-height: 1;
  }
  [part~='attach']:focus-visible {
    outline: 3px solid currentColor;
  }
  [part~='uploads'],
  [part~='files'] {
    list-style: none;
    margin: 0 0 6px;
    padding: 0;
    display: grid;
    gap: 6px;
  }
  [part~='upload'],
  [part~='file'] {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px;
    font-size: 14px;
  }
  [part~='upload'] progress {
    flex: 1;
    min-inline-size: 60px;
  }
  [part~='upload'] [part~='error'] {
    flex: 1 1 100%;
    margin: 0;
  }
  [part~='file-name'] {
    overflow-wrap: anywhere;
  }
  [part~='file-download'] {
    all: unset;
    cursor: pointer;
    text-decoration: underline;
  }
  [part~='file-download']:focus-visible {
    outline: 2px solid currentColor;
  }
  [part~='file-size'] {
    font-size: 0.92em;
  }
  [part~='thumbnail'] {
    display: block;
    flex: 1 1 100%;
    max-inline-size: 160px;
    max-block-size: 120px;
    object-fit: contain;
    border-radius: 6px;
  }
`;
