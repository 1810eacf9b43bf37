export { isDev } from './dev';
export {
  ERROR_CATALOG,
  type ErrorCode,
  type ErrorPayload,
  HelplineError,
  helplineError,
  isHelplineError,
} from './errors';
export {
  encodeFrame,
  type ParseResult,
  parseClientFrame,
  parseCommandResult,
  parseServerFrame,
  validateCommandArgs,
} from './protocol';
export { CLOSE_CODES, LIMITS, PROTOCOL_VERSION, SUBPROTOCOL } from './protocol.limits';
export { commandResultSchemas } from './protocol.results';
export { COMMAND_OPS, type CommandOp, commandArgsSchemas, e164 } from './protocol.schemas';
export type {
  ClientFrame,
  CommandArgs,
  CommandFrame,
  CommandResult,
  ConversationEvent,
  EventFrame,
  HelloFrame,
  Notice,
  ServerFrame,
  WelcomeFrame,
  WireInteraction,
} from './protocol.types';
export { isLuhnValid, redactCardNumbers } from './redact';
