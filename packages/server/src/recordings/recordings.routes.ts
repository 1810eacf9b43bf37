import type { ServerResponse } from 'node:http';
import { helplineError, LIMITS } from '@helpline/core';
import { type Hub, mayPlayRecording, type Subject } from '@helpline/core/hub';
import { contentDisposition, streamBody } from '../attachments/attachments.http';
import type { AttachmentRequest } from '../attachments/attachments.routes';
import type { ServerConfig } from '../config/config';
import type { SqlStorage } from '../storage/sql.storage';
import type { RecordingStore } from './recordings.store';

// The recording routes of the HTTP API:
//   PUT /v1/recordings/calls/:callId/segments/:segment/chunks/:index?cid=…  one chunk, from the call's agent
//   GET /v1/recordings/calls/:callId/segments/:segment                     where the upload stands ({ next })
//   GET /v1/recordings/:id                                                  the recording, to those who may play it
// Chunks come only from the interaction's assigned agent on a queue that records; playback follows
// `mayPlayRecording` (supervisors; the call's agents when `recordings.agentPlayback`), never visitors.

/** Largest chunk accepted (5 s of opus is ~20 KB; a minute a reload held back stays far below this). */
export const RECORDING_CHUNK_MAX_BYTES = 4 * 1024 * 1024;

/** Types a recording is served as (anything else: `application/octet-stream`). */
const AUDIO_TYPES: ReadonlySet<string> = new Set(['audio/webm', 'audio/ogg', 'audio/mpeg', 'audio/wav']);

const ID = '[\\w.:-]{1,64}';
const CHUNK = new RegExp(
  `^/v1/recordings/calls/(?<callId>${ID})/segments/(?<segment>${ID})(?:/chunks/(?<index>\\d{1,7}))?$`,
);
const DOWNLOAD = new RegExp(`^/v1/recordings/(?<id>${ID})$`);
/** History read per page while looking for a call's recording state, and at most this many pages. */
const HISTORY_PAGE = LIMITS.historyPage;
const MAX_HISTORY_PAGES = 50;

/** What the recording routes need. */
export interface RecordingRoutesDeps {
  readonly store: RecordingStore;
  readonly hub: Pick<Hub, 'execute'>;
  readonly storage: Pick<SqlStorage, 'getInteraction'>;
  readonly config: ServerConfig;
  readonly authenticate: (token: string) => Promise<Subject>;
  readonly now: () => number;
}

/** The recording routes: `handle` answers a request under them and resolves true, or false for any other path. */
export interface RecordingRoutes {
  handle(request: AttachmentRequest, response: ServerResponse): Promise<boolean>;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
  });
  response.end(text);
}

async function readBody(request: AttachmentRequest): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request.raw) {
    const buffer = part as Buffer;
    size += buffer.byteLength;
    if (size > RECORDING_CHUNK_MAX_BYTES)
      throw helplineError('limit/size', { field: 'chunk', size, max: RECORDING_CHUNK_MAX_BYTES });
    parts.push(buffer);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** The audio type of a declared `content-type` (`audio/webm;codecs=opus` → `audio/webm;codecs=opus`), checked. */
function audioTypeOf(declared: string | undefined): string {
  const type = (declared ?? '').trim().toLowerCase();
  const base = type.split(';')[0]?.trim() ?? '';
  if (!AUDIO_TYPES.has(base)) {
    throw helplineError('validation/field', {
      scope: 'recordings',
      field: 'content-type',
      detail: `must be one of ${[...AUDIO_TYPES].join(', ')}`,
    });
  }
  return /^[\w/;=.+-]{1,64}$/.test(type) ? type : base;
}

/**
 * Creates the recording routes.
 *
 * @example
 * ```ts
 * const routes = createRecordingRoutes({ store, hub, storage, config, authenticate, now: Date.now });
 * if (await routes.handle(request, response)) return;
 * ```
 */
export function createRecordingRoutes(deps: RecordingRoutesDeps): RecordingRoutes {
  const { store } = deps;
  const agentPlayback = deps.config.file.recordings?.agentPlayback ?? false;

  async function subjectOf(request: AttachmentRequest): Promise<Subject> {
    const match = /^Bearer ([^\s]+)$/.exec(request.raw.headers.authorization ?? '');
    if (!match?.[1]) throw helplineError('auth/required');
    return deps.authenticate(match[1]);
  }

  /**
   * Whether call `callId` of conversation `cid` is being recorded, as its log says (the call events' `recording`, set
   * when it changes: on from the start under `always`, once the agent started it under `on-demand`): `off` when the
   * conversation has no such call or nobody started recording it.
   */
  async function recordingState(subject: Subject, cid: string, callId: string, request: AttachmentRequest) {
    let state: 'off' | 'on' | 'paused' = 'off';
    let after: number | undefined;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const { events } = await deps.hub.execute(
        subject,
        'history',
        { cid, limit: HISTORY_PAGE, ...(after === undefined ? {} : { after }) },
        { ip: request.ip },
      );
      for (const { ev } of events)
        if (ev.type === 'call' && ev.callId === callId && ev.recording) state = ev.recording;
      if (events.length < HISTORY_PAGE) break;
      after = events[events.length - 1]?.seq;
    }
    return state;
  }

  /**
   * The interaction of an upload, when `subject` is its assigned agent on a queue that records and its call `callId`
   * is recorded (started, or paused: chunks made before the pause still arrive).
   */
  async function recordedBy(subject: Subject, cid: string, callId: string, request: AttachmentRequest) {
    if (subject.role !== 'agent')
      throw helplineError('auth/forbidden', { operation: 'upload a call recording' });
    // The hub's own rules first: an agent who may not read the conversation learns nothing more.
    await deps.hub.execute(subject, 'history', { cid, limit: 1 }, { ip: request.ip });
    const stored = await deps.storage.getInteraction(cid);
    if (!stored) throw helplineError('not-found', { entity: 'Conversation', id: cid });
    const { interaction } = stored;
    if (interaction.agentId !== subject.id)
      throw helplineError('auth/forbidden', { operation: "upload a recording of another agent's call" });
    const policy = deps.config.queues.find((queue) => queue.id === interaction.queueId)?.recording ?? 'never';
    if (policy === 'never') {
      throw helplineError('conflict/state', {
        operation: 'upload a call recording',
        entity: 'queue',
        state: 'not recording calls',
      });
    }
    // A call nobody started recording (on demand), or one that is not this conversation's, takes no recording: it
    // would record the customer without the notice, the conversation's log and the audit trail.
    if ((await recordingState(subject, cid, callId, request)) === 'off') {
      throw helplineError('conflict/state', {
        operation: 'upload a call recording',
        entity: 'call',
        state: 'not recorded',
      });
    }
    return interaction;
  }

  return {
    async handle(request, response) {
      const path = request.url.pathname;
      const chunk = CHUNK.exec(path);
      if (chunk?.groups) {
        const callId = chunk.groups.callId ?? '';
        const segment = chunk.groups.segment ?? '';
        const subject = await subjectOf(request);
        const existing = await store.segment(callId, segment);
        if (existing && !existing.agentIds.includes(subject.id))
          throw helplineError('not-found', { entity: 'Recording', id: `${callId}/${segment}` });
        if (chunk.groups.index === undefined) {
          if (request.method !== 'GET') return false;
          json(response, 200, { next: existing?.chunks ?? 0, bytes: existing?.bytes ?? 0 });
          return true;
        }
        if (request.method !== 'PUT') return false;
        const index = Number(chunk.groups.index);
        const mimeType = audioTypeOf(request.raw.headers['content-type']);
        let row = existing;
        if (!row) {
          const cid = request.url.searchParams.get('cid') ?? '';
          const interaction = await recordedBy(subject, cid, callId, request);
          row = await store.begin({
            cid,
            callId,
            segment,
            customerId: interaction.customer.id,
            agentIds: [subject.id],
            source: 'browser',
            mimeType,
            at: deps.now(),
          });
        }
        const body = await readBody(request);
        const stored = await store.append(row.id, index, body, deps.now());
        json(response, 200, { id: stored.id, next: stored.chunks, bytes: stored.bytes });
        return true;
      }
      const download = DOWNLOAD.exec(path);
      if (!download?.groups || (request.method !== 'GET' && request.method !== 'HEAD')) return false;
      const id = download.groups.id ?? '';
      const subject = await subjectOf(request);
      const row = await store.get(id);
      if (!row) throw helplineError('not-found', { entity: 'Recording', id });
      if (!mayPlayRecording(subject, row, { agentPlayback })) {
        throw helplineError('auth/forbidden', { operation: 'play back this call recording' });
      }
      const base = row.mimeType.split(';')[0] ?? '';
      const type = AUDIO_TYPES.has(base) ? base : 'application/octet-stream';
      const extension = base === 'audio/mpeg' ? 'mp3' : (base.split('/')[1] ?? 'bin');
      response.writeHead(200, {
        'content-type': type,
        'content-length': String(row.bytes),
        'content-disposition': contentDisposition('attachment', `recording-${row.id}.${extension}`),
        'content-security-policy': "sandbox; default-src 'none'",
        'x-content-type-options': 'nosniff',
        'cross-origin-resource-policy': 'same-site',
        'cache-control': 'private, no-store',
      });
      if (request.method === 'GET') await streamBody(response, store.read(row));
      else response.end();
      return true;
    },
  };
}
