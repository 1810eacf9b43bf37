import {
  type ParseResult,
  parseCommandResult,
  parseFrameWith,
  type ResultSchemas,
} from '../protocol/protocol';
import type { CommandOp } from '../protocol/protocol.commands';
import type { FrameGuard } from '../protocol/protocol.guards';
import type { ServerFrame } from '../protocol/protocol.types';

/** How a connection checks what it receives: every frame, and the result of every `ack`. */
export interface ConnectionChecks {
  /** Parses one frame as received; a frame it refuses is dropped. */
  readonly frame: (raw: string) => ParseResult<ServerFrame>;
  /** Checks the result of an `ack` to command `op` before the command resolves with it. */
  readonly result: (op: CommandOp, result: unknown) => ParseResult<unknown>;
}

/** The checks of `results` (by command) and `frames`, as `createConnection` takes them. */
export function checksOf(results: ResultSchemas, frames: FrameGuard): ConnectionChecks {
  return {
    frame: (raw) => parseFrameWith(frames, raw),
    result: (op, result) => parseCommandResult(op, result, results),
  };
}
