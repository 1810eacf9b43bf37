import { helplineError } from '../protocol/errors';
import type { CommandResult } from '../protocol/protocol.types';
import { authorizeRole } from './access';
import type { CommandHandlers } from './dispatch';
import type { Subject } from './hub.types';

// Call recordings as the hub sees them: who may list and play them back. The bytes and the rows live in the server
// (packages/server/src/recordings); the hub asks its directory and applies one rule, shared with the download route:
// supervisors always, the agents who were on the call only when the server allows agents to play back, nobody else.

/** A stored recording (one segment of a call), as `recording.list` answers it. */
export type RecordingInfo = CommandResult<'recording.list'>['recordings'][number];

/** One start, pause or resume of a call's recording, for the server's audit trail. */
export interface RecordingAuditEntry {
  readonly cid: string;
  readonly callId: string;
  readonly action: 'start' | 'pause' | 'resume';
  /** The agent who asked. */
  readonly actor: string;
  readonly at: number;
}

/** Where the server keeps recordings, as the hub reads them. */
export interface RecordingDirectory {
  /** The recordings of an interaction (`cid`) or of every interaction of a customer, oldest first. */
  list(filter: {
    readonly cid?: string | undefined;
    readonly customerId?: string | undefined;
  }): Promise<RecordingInfo[]>;
}

/** The hub's recording options (the server passes them when recordings are on). */
export interface RecordingOptions {
  readonly directory: RecordingDirectory;
  /** Agents may play back recordings of calls they were on. Default false: supervisors only. */
  readonly agentPlayback?: boolean | undefined;
  /** Writes one start, pause or resume to the audit trail (after the conversation's log has it). */
  readonly audit?: ((entry: RecordingAuditEntry) => Promise<void>) | undefined;
}

/**
 * May `subject` play back a recording with these agents? Supervisors yes; an agent only with `agentPlayback` and only
 * when they were on the call; visitors never.
 *
 * @example
 * ```ts
 * if (!mayPlayRecording(subject, recording, { agentPlayback: false })) throw helplineError('auth/forbidden', …);
 * ```
 */
export function mayPlayRecording(
  subject: Subject,
  recording: { readonly agentIds: readonly string[] },
  options: { readonly agentPlayback?: boolean | undefined },
): boolean {
  if (subject.role === 'supervisor') return true;
  if (subject.role !== 'agent') return false;
  return options.agentPlayback === true && recording.agentIds.includes(subject.id);
}

/** The recording commands. */
export type RecordingOp = 'recording.list';

/**
 * Creates the recording commands. Without options (no storage for recordings) `recording.list` is refused by state.
 *
 * @example
 * ```ts
 * const recordings = createRecordingsHub({ recordings: { directory, agentPlayback: true } });
 * const handlers = { ...others, ...recordings.handlers };
 * ```
 */
export function createRecordingsHub(deps: { readonly recordings?: RecordingOptions | undefined }): {
  readonly handlers: CommandHandlers<RecordingOp>;
} {
  return {
    handlers: {
      async 'recording.list'(caller, args) {
        const operation = 'list call recordings';
        authorizeRole(caller.subject, 'recording.list', operation);
        const options = deps.recordings;
        if (!options) {
          throw helplineError('conflict/state', { operation, entity: 'recordings', state: 'not stored' });
        }
        // An agent without playback is refused outright: the list would be empty for them anyway.
        if (caller.subject.role === 'agent' && !options.agentPlayback) {
          throw helplineError('auth/forbidden', { operation: 'play back call recordings' });
        }
        if (args.cid === undefined && args.customerId === undefined) {
          throw helplineError(
            'validation/field',
            {
              scope: 'recording.list',
              field: 'cid',
              detail: 'name an interaction (cid) or a customer (customerId)',
            },
            { field: 'cid' },
          );
        }
        const all = await options.directory.list({ cid: args.cid, customerId: args.customerId });
        return {
          recordings: all.filter((recording) => mayPlayRecording(caller.subject, recording, options)),
        };
      },
    },
  };
}
