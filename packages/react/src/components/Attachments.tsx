'use client';
import {
  type AttachmentPolicy,
  type AttachmentRef,
  cleanFileName,
  isHelplineError,
  PREVIEW_TYPES,
} from '@helpline/core';
import {
  type ClipboardEvent,
  type DragEvent,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import { useAgent } from '../hooks/useAgent';
import { type Translator, useTranslator } from '../i18n/translator';
import { AudioPlayer } from './Voicemail';

// The console's attachment UI: files picked, dropped on the conversation or pasted into it are checked against the
// conversation's allow-list before a byte is sent (core's upload client: size, and the type the first bytes show),
// uploaded in chunks with progress and a cancel button, resumed after a dropped connection, and sent with the next
// message. Files in the log are text names with their size and a download button; images get a preview fetched with
// the agent's token and shown through a blob: URL — never a page, never SVG.

/** A file in the composer: on its way up, ready to send with the next message, or refused. */
export interface ComposerFile {
  /** Stable key for lists. */
  readonly key: number;
  /** The cleaned file name, shown as text. */
  readonly name: string;
  readonly size: number;
  /** Bytes the server has stored. */
  readonly stored: number;
  readonly status: 'uploading' | 'ready' | 'refused';
  /** Once ready: the attachment to send. */
  readonly ref?: AttachmentRef | undefined;
  /** Once refused: why, in the agent's language. */
  readonly error?: string | undefined;
}

/** The files of a conversation's composer and what can be done with them (see {@link useComposerFiles}). */
export interface ComposerFiles {
  /** The conversation's allow-list; `undefined` while loading or when the server takes no files. */
  readonly policy: AttachmentPolicy | undefined;
  /** True when files may be attached here (the server takes files and the allow-list is not empty). */
  readonly enabled: boolean;
  readonly files: readonly ComposerFile[];
  /** The uploaded files, to send with the next message. */
  readonly ready: readonly AttachmentRef[];
  /** Checks and uploads `files`. */
  add(files: Iterable<File>): void;
  /** Cancels an upload, or takes a file out of the composer. */
  remove(key: number): void;
  /** Empties the composer of ready files (they were sent). */
  sent(): void;
  /** Props for the element files may be dropped on or pasted into (the conversation). */
  getDropProps(): {
    onDragOver(event: DragEvent): void;
    onDrop(event: DragEvent): void;
    onPaste(event: ClipboardEvent): void;
  };
}

/** The text of an upload's refusal: its typed error's code picks the catalog entry. */
function refusalText(
  i18n: Translator,
  file: File,
  error: unknown,
  policy: AttachmentPolicy | undefined,
): string {
  const name = cleanFileName(file.name);
  const { t } = i18n;
  switch (isHelplineError(error) ? error.code : undefined) {
    case 'attachment/too-large':
      return t('attachTooLarge', {
        name,
        size: fileSize(i18n, file.size),
        max: policy ? fileSize(i18n, policy.maxBytes) : '',
      });
    case 'attachment/type-not-allowed':
    case 'attachment/type-mismatch':
    case 'attachment/disabled':
      return t('attachTypeNotAllowed', { name });
    case 'attachment/empty':
      return t('attachEmpty', { name });
    case 'attachment/rejected':
      return t('attachRejected', { name });
    default:
      return t('attachFailed', { name });
  }
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/** A file size in the agent's language: "340 KB", "1,2 MB". */
export function fileSize(i18n: Pick<Translator, 'locale'>, bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(i18n.locale, {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

let nextKey = 0;

/**
 * The files of conversation `id`'s composer: the allow-list (asked once), uploads with progress, refusals in the
 * agent's language, and the files ready to go with the next message. Uploads are cancelled when the conversation
 * changes or the component goes away.
 *
 * @example
 * ```tsx
 * const files = useComposerFiles(cid);
 * <section {...files.getDropProps()}><AttachButton files={files} /><ComposerFileList files={files} /></section>
 * ```
 */
export function useComposerFiles(id: string): ComposerFiles {
  const { session } = useAgent();
  const i18n = useTranslator();
  const [policy, setPolicy] = useState<AttachmentPolicy | undefined>(undefined);
  const [files, setFiles] = useState<readonly ComposerFile[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  // The latest translator and policy, for refusals that arrive after a re-render.
  const latest = useRef({ i18n, policy });
  latest.current = { i18n, policy };

  useEffect(() => {
    let live = true;
    setPolicy(undefined);
    session.attachmentPolicy(id).then(
      (found) => live && setPolicy(found),
      () => undefined, // No attachments here (the server takes none, or the conversation is gone): no button.
    );
    const running = controllers.current;
    return () => {
      live = false;
      for (const controller of running.values()) controller.abort();
      running.clear();
      setFiles([]);
    };
  }, [session, id]);

  const update = useCallback((key: number, change: Partial<ComposerFile>) => {
    setFiles((list) => list.map((file) => (file.key === key ? { ...file, ...change } : file)));
  }, []);

  const add = useCallback(
    (picked: Iterable<File>) => {
      for (const file of picked) {
        const key = nextKey++;
        const controller = new AbortController();
        controllers.current.set(key, controller);
        const name = cleanFileName(file.name);
        setFiles((list) => [...list, { key, name, size: file.size, stored: 0, status: 'uploading' }]);
        session
          .upload(id, file, {
            signal: controller.signal,
            onProgress: (stored) => update(key, { stored }),
          })
          .then(
            (ref) => update(key, { status: 'ready', ref, stored: file.size }),
            (error: unknown) => {
              if (controller.signal.aborted) return;
              const { i18n: now, policy: rules } = latest.current;
              update(key, { status: 'refused', error: refusalText(now, file, error, rules) });
            },
          )
          .finally(() => controllers.current.delete(key));
      }
    },
    [session, id, update],
  );

  const enabled = policy !== undefined && policy.types.length > 0;
  return useMemo(
    () => ({
      policy,
      enabled,
      files,
      ready: files.flatMap((file) => (file.status === 'ready' && file.ref ? [file.ref] : [])),
      add,
      remove(key) {
        controllers.current.get(key)?.abort();
        controllers.current.delete(key);
        setFiles((list) => list.filter((file) => file.key !== key));
      },
      sent() {
        setFiles((list) => list.filter((file) => file.status !== 'ready'));
      },
      getDropProps: () => ({
        onDragOver(event) {
          if (enabled && event.dataTransfer.types.includes('Files')) event.preventDefault();
        },
        onDrop(event) {
          if (!enabled || event.dataTransfer.files.length === 0) return;
          event.preventDefault();
          add(event.dataTransfer.files);
        },
        onPaste(event) {
          // Pasted text stays text; only pasted files (a screenshot) are attached.
          if (!enabled || event.clipboardData.files.length === 0) return;
          event.preventDefault();
          add(event.clipboardData.files);
        },
      }),
    }),
    [policy, enabled, files, add],
  );
}

/** Props of {@link AttachButton}. */
export interface AttachButtonProps {
  readonly files: ComposerFiles;
}

/**
 * A labelled button that opens the file picker (its `accept` from the allow-list); renders nothing where files
 * cannot be attached.
 *
 * @example
 * ```tsx
 * <AttachButton files={useComposerFiles(cid)} />
 * ```
 */
export function AttachButton({ files }: AttachButtonProps): ReactNode {
  const { t } = useTranslator();
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  if (!files.enabled) return null;
  return (
    <>
      <input
        id={inputId}
        ref={input}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        aria-hidden="true"
        accept={files.policy?.types.join(',')}
        onChange={(event) => {
          const picked = [...(event.currentTarget.files ?? [])];
          event.currentTarget.value = '';
          files.add(picked);
        }}
      />
      <button
        type="button"
        className="helpline-button helpline-attach"
        onClick={() => input.current?.click()}
      >
        {t('attachFiles')}
      </button>
    </>
  );
}

/** Props of {@link ComposerFileList}. */
export interface ComposerFileListProps {
  readonly files: ComposerFiles;
}

/**
 * The composer's files: a progress bar and "Cancel" while uploading, "Remove" once ready, the refusal (an alert) and
 * "Dismiss". Progress is announced politely, refusals at once.
 *
 * @example
 * ```tsx
 * <ComposerFileList files={files} />
 * ```
 */
export function ComposerFileList({ files }: ComposerFileListProps): ReactNode {
  const i18n = useTranslator();
  const { t } = i18n;
  if (files.files.length === 0) return null;
  return (
    <ul className="helpline-uploads" aria-label={t('attachmentsLabel')}>
      {files.files.map((file) => (
        <li key={file.key} className="helpline-upload" data-status={file.status}>
          {file.status === 'refused' ? (
            <p className="helpline-error" role="alert" dir="auto">
              {file.error}
            </p>
          ) : (
            <>
              <span className="helpline-upload__name" dir="auto">
                {file.name}
              </span>{' '}
              <span className="helpline-upload__size">{fileSize(i18n, file.size)}</span>
              {file.status === 'uploading' && (
                <progress
                  max={file.size}
                  value={file.stored}
                  aria-label={t('attachUploading', { name: file.name })}
                />
              )}
              <span className="helpline-visually-hidden" role="status">
                {file.status === 'ready' ? t('attachReady', { name: file.name }) : ''}
              </span>
            </>
          )}
          <button
            type="button"
            className="helpline-link-button"
            aria-label={
              file.status === 'uploading'
                ? t('attachCancel', { name: file.name })
                : file.status === 'ready'
                  ? t('attachRemove', { name: file.name })
                  : undefined
            }
            onClick={() => files.remove(file.key)}
          >
            {file.status === 'uploading'
              ? t('cancel')
              : file.status === 'ready'
                ? t('attachRemoveShort')
                : t('attachDismiss')}
          </button>
        </li>
      ))}
    </ul>
  );
}

/** Preview blob: URLs by attachment id, for the console's life (`''`: none could be fetched). */
const previews = new Map<string, Promise<string>>();

/** Props of {@link MessageFiles}. */
export interface MessageFilesProps {
  readonly files: readonly AttachmentRef[];
}

/**
 * The files of a message: a preview for images (a raster image fetched with the agent's token, shown through a
 * blob: URL), the name as text, the size, and a download button (the file is fetched with the token and saved
 * under its name).
 *
 * @example
 * ```tsx
 * {message.attachments && <MessageFiles files={message.attachments} />}
 * ```
 */
export function MessageFiles({ files }: MessageFilesProps): ReactNode {
  const i18n = useTranslator();
  const { session } = useAgent();
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const download = async (file: AttachmentRef) => {
    setFailed(undefined);
    try {
      const url = URL.createObjectURL(await session.fetchAttachment(file.id));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.name;
      link.rel = 'noopener';
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (error) {
      setFailed(i18n.error(error));
    }
  };
  return (
    <>
      <ul className="helpline-files" aria-label={i18n.t('attachmentsLabel')}>
        {files.map((file) => (
          <li key={file.id} className="helpline-file">
            {PREVIEW_TYPES.includes(file.type) && <Thumbnail file={file} />}
            {file.type.startsWith('audio/') && <AudioPlayer file={file} />}
            <button
              type="button"
              className="helpline-link-button helpline-file__download"
              aria-label={i18n.t('attachDownload', { name: file.name })}
              onClick={() => void download(file)}
            >
              <span className="helpline-file__name" dir="auto">
                {file.name}
              </span>
            </button>{' '}
            <span className="helpline-file__size">{fileSize(i18n, file.size)}</span>
          </li>
        ))}
      </ul>
      {failed && (
        <p className="helpline-error" role="alert">
          {failed}
        </p>
      )}
    </>
  );
}

/** An image attachment's preview: fetched once per console, shown as pixels (alt text empty: the name follows). */
function Thumbnail({ file }: { readonly file: AttachmentRef }): ReactNode {
  const { session } = useAgent();
  const [url, setUrl] = useState<string>('');
  useEffect(() => {
    let live = true;
    let preview = previews.get(file.id);
    if (!preview) {
      preview = session.fetchAttachment(file.id, { preview: true }).then(
        (blob) =>
          blob.type.startsWith('image/') && blob.type !== 'image/svg+xml' ? URL.createObjectURL(blob) : '',
        () => '',
      );
      previews.set(file.id, preview);
    }
    void preview.then((found) => live && setUrl(found));
    return () => {
      live = false;
    };
  }, [session, file.id]);
  if (!url) return null;
  return (
    <img
      className="helpline-file__preview"
      src={url}
      alt=""
      width={file.width}
      height={file.height}
      decoding="async"
    />
  );
}
