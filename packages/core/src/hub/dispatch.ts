import { randomId } from '../ids/ids';
import { type HelplineError, helplineError, isHelplineError } from '../protocol/errors';
import { validateCommandArgs } from '../protocol/protocol.commands';
import type {
  CommandArgs,
  CommandFrame,
  CommandOp,
  CommandResult,
  ServerFrame,
} from '../protocol/protocol.types';
import type { ReportFailure } from './failures';
import type { AdmissionRequest, ConnectionMeta, Subject } from './hub.types';

// The one way a command runs, whether it came as a `cmd` frame on a socket or as a request to the HTTP API: the
// operation is looked up and its arguments checked (a frame's were checked with the frame), the caller is admitted
// (rate limits), the module's handler runs (and checks ownership), the outcome is answered, and only then does the
// work that waited for the answer run.

/** Who runs a command: an admitted socket connection, or one HTTP request. */
export interface Caller {
  /** Tells apart the connections of one subject (a call is bound to one); an HTTP request has an id of its own. */
  readonly id: string;
  readonly subject: Subject;
  readonly meta: ConnectionMeta;
  /** Work that waits for the reply to the command in progress (see {@link afterReply}). */
  readonly afterReply: (() => void)[];
}

/** Command handlers of a hub module: each resolves with the command's result, or rejects with what a `nack` carries. */
export type CommandHandlers<Op extends CommandOp> = {
  [O in Op]: (caller: Caller, args: CommandArgs<O>) => Promise<CommandResult<O>>;
};

/** A command whose operation exists and whose arguments passed that operation's schema (a parsed `cmd` frame is one). */
export interface Command {
  readonly op: CommandOp;
  readonly args: CommandArgs<CommandOp>;
}

/** Where a command's outcome goes: an `ack` or a `nack` on a socket, a settled promise for an HTTP request. */
export interface Reply {
  ok(result: CommandResult<CommandOp>): void;
  failed(error: unknown): void;
}

/** What the dispatch needs from the hub. */
export interface DispatchDeps {
  /** Every operation's handler, gathered from the hub's modules. */
  readonly handlers: CommandHandlers<CommandOp>;
  /** Asked before every command; the error it returns is the command's answer (see `HubOptions.admit`). */
  readonly admit?: ((request: AdmissionRequest) => HelplineError | undefined) | undefined;
}

/** Runs the hub's commands. */
export interface Dispatch {
  /**
   * Runs a checked command for `caller`: admission, then its handler. The outcome goes to `reply` before the work
   * that waits for it; what a command stored stays in effect even when the answer is an error, so that work runs
   * either way. `frameLength` is what admission weighs.
   */
  run(caller: Caller, command: Command, frameLength: number, reply: Reply): Promise<void>;
  /**
   * Checks an operation named by an untrusted caller and its arguments, then runs it (the HTTP API). Resolves with
   * the result; rejects with what a `nack` would carry (`protocol/unknown-command`, `validation/field`, …).
   */
  execute<Op extends CommandOp>(caller: Caller, op: Op, args: unknown): Promise<CommandResult<Op>>;
}

/**
 * Creates the dispatch of a hub's commands.
 *
 * @example
 * ```ts
 * const dispatch = createDispatch({ handlers, admit });
 * await dispatch.run(conn, frame, raw.length, frameReply(frame, (reply) => send(conn, reply), reportFailure));
 * const result = await dispatch.execute(requestCaller(subject, meta), 'history', { cid });
 * ```
 */
export function createDispatch(deps: DispatchDeps): Dispatch {
  const { handlers } = deps;

  async function run(caller: Caller, command: Command, frameLength: number, reply: Reply): Promise<void> {
    try {
      const { subject, meta } = caller;
      const refused = deps.admit?.({ subject, op: command.op, meta, frameLength });
      if (refused) throw refused;
      // The command's arguments passed its operation's schema, so they are what its handler takes.
      const handler = handlers[command.op] as (
        caller: Caller,
        args: CommandArgs<CommandOp>,
      ) => Promise<CommandResult<CommandOp>>;
      reply.ok(await handler(caller, command.args));
    } catch (error) {
      reply.failed(error);
    } finally {
      runAfterReply(caller);
    }
  }

  return {
    run,
    async execute<Op extends CommandOp>(caller: Caller, op: Op, args: unknown) {
      if (!Object.hasOwn(handlers, op)) throw helplineError('protocol/unknown-command', { op });
      const parsed = validateCommandArgs(op, args);
      if (!parsed.ok) throw parsed.error;
      const frameLength = JSON.stringify(args ?? null).length;
      return new Promise<CommandResult<Op>>((resolve, reject) => {
        const reply: Reply = { ok: (result) => resolve(result as CommandResult<Op>), failed: reject };
        void run(caller, { op, args: parsed.value }, frameLength, reply);
      });
    },
  };
}

/**
 * The reply to a `cmd` frame: an `ack` with the result, or a `nack` with the typed error. An error that is not a
 * `HelplineError` is a failure nobody foresaw: it is reported, and the client hears `internal`.
 */
export function frameReply(
  frame: Pick<CommandFrame, 'id' | 'op'>,
  send: (reply: ServerFrame) => void,
  reportFailure: ReportFailure,
): Reply {
  return {
    ok: (result) => send({ t: 'ack', id: frame.id, result }),
    failed(error) {
      if (!isHelplineError(error)) reportFailure(`command ${frame.op}`, error);
      const typed = isHelplineError(error)
        ? error
        : helplineError('internal', { detail: 'unexpected failure' });
      send({ t: 'nack', id: frame.id, error: typed.toPayload() });
    },
  };
}

/**
 * The caller of one HTTP request. It is no connection: nothing is fanned out to it, and a notice meant for it alone
 * (a place in line after `history`) has nowhere to go.
 */
export function requestCaller(
  subject: Subject,
  meta: ConnectionMeta,
  randomBytes: (length: number) => Uint8Array,
): Caller {
  return { id: randomId('h', randomBytes), subject, meta, afterReply: [] };
}

/**
 * Runs `task` once the command in progress for `caller` is answered: a new conversation is routed only after its
 * customer has the ack, so the ack's snapshot is never newer news than the events that follow it.
 */
export function afterReply(caller: Caller, task: () => void): void {
  caller.afterReply.push(task);
}

/** Runs what waited for the reply to the command in progress for `caller`. */
export function runAfterReply(caller: Caller): void {
  for (const task of caller.afterReply.splice(0)) task();
}
