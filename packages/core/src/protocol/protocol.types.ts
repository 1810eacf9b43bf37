import type * as v from 'valibot';
import type {
  CommandOp,
  clientFrameSchema,
  commandArgsSchemas,
  commandFrameSchema,
  helloSchema,
} from './protocol.commands';
import type {
  customerAuditSchema,
  customerIdentifierSchema,
  customerRecordSchema,
  customerSuggestionSchema,
} from './protocol.customers';
import type { commandResultSchemas, customerViewSchema } from './protocol.results.staff';
import type {
  conversationEventSchema,
  eventFrameSchema,
  interactionSchema,
  noticeSchema,
  serverFrameSchema,
  wireCallSchema,
} from './protocol.schemas';

export type { CommandOp } from './protocol.commands';

/** Arguments of command `op`. */
export type CommandArgs<Op extends CommandOp> = v.InferOutput<(typeof commandArgsSchemas)[Op]>;
/** Result in the `ack` of command `op`. */
export type CommandResult<Op extends CommandOp> = v.InferOutput<(typeof commandResultSchemas)[Op]>;

/** The first frame of a connection. */
export type HelloFrame = v.InferOutput<typeof helloSchema>;
/** What a connection's client can do, declared at `hello` (`voice: false`: it cannot take calls). */
export type ClientCapabilities = NonNullable<HelloFrame['capabilities']>;
/** A command frame. */
export type CommandFrame = v.InferOutput<typeof commandFrameSchema>;
/** Any frame a client sends. */
export type ClientFrame = v.InferOutput<typeof clientFrameSchema>;
/** Any frame a server sends. */
export type ServerFrame = v.InferOutput<typeof serverFrameSchema>;
/** A durable conversation event frame (`t: 'evt'`). */
export type EventFrame = v.InferOutput<typeof eventFrameSchema>;
/** A durable conversation event. */
export type ConversationEvent = v.InferOutput<typeof conversationEventSchema>;
/** A non-durable push (offer, presence, position, typing). */
export type Notice = v.InferOutput<typeof noticeSchema>;
/**
 * An interaction as it travels on the wire: the domain's `Interaction` with the `survey` its queue will ask
 * afterwards. Staff receive all of it, visitors a {@link VisitorInteraction}.
 */
export type WireInteraction = v.InferOutput<typeof interactionSchema>;
/** The fields of an interaction that only staff receive: wrap-up notes and disposition, and why it was routed so. */
export type StaffOnlyField = 'notes' | 'disposition' | 'routingReasons';
/** An interaction as a visitor receives it: a {@link WireInteraction} without the {@link StaffOnlyField}s. */
export type VisitorInteraction = Omit<WireInteraction, StaffOnlyField>;
/** The `welcome` frame. */
export type WelcomeFrame = Extract<ServerFrame, { t: 'welcome' }>;
/** A call as it travels to its parties (see `wireCallSchema`). */
export type WireCall = v.InferOutput<typeof wireCallSchema>;
/** A WebRTC signaling message of the `call.signal` command and notice. */
export type CallSignal = CommandArgs<'call.signal'>['signal'];
/** A customer record as staff receive it: identifiers, channels, the host CRM's record (docs/customers.md). */
export type CustomerRecord = v.InferOutput<typeof customerRecordSchema>;
/** One identifier of a {@link CustomerRecord}. */
export type CustomerIdentifier = v.InferOutput<typeof customerIdentifierSchema>;
/** A suggested merge of two customers that share an identifier one of them has not proven. */
export type CustomerSuggestion = v.InferOutput<typeof customerSuggestionSchema>;
/** One entry of a customer's audit trail (merge, automatic merge, split, dismissed suggestion). */
export type CustomerAuditEntry = v.InferOutput<typeof customerAuditSchema>;
/** A customer with its timeline across channels and its open suggestions (`customer.of`, `customer.get`). */
export type CustomerView = v.InferOutput<typeof customerViewSchema>;
