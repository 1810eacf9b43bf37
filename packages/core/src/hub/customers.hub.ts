import { storedContactIdentity } from '../customer/customer.identity';
import type { CustomerActor, CustomerDirectory, CustomerRow } from '../customer/customer.types';
import type { Interaction } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { CommandResult, CustomerRecord, WireInteraction } from '../protocol/protocol.types';
import { authorizeRole, type Relation } from './access';
import type { InteractionStepped } from './conversation.log';
import type { Caller, CommandHandlers } from './dispatch';
import type { ReportFailure } from './failures';
import type { HubClock, HubStorage, Subject } from './hub.types';
import type { Live } from './live';

/** Past interactions returned for one customer. */
const CUSTOMER_HISTORY_LIMIT = 50;
const SEARCH_LIMIT = 20;
const STAFF_ROLES = new Set<Subject['role']>(['agent', 'supervisor']);
/** Who may open an interaction's customer: whoever works its queue or held it, and supervisors. */
const CUSTOMER_OF_RELATIONS: ReadonlySet<Relation> = new Set([
  'offered',
  'assigned',
  'former',
  'queue-agent',
  'supervisor',
]);

/** The commands about customers: one's own interactions, a customer's history, records, merges and splits. */
export type CustomerOp =
  | 'conversation.list'
  | 'customer.history'
  | 'customer.of'
  | 'customer.get'
  | 'customer.search'
  | 'customer.suggestions'
  | 'customer.merge'
  | 'customer.dismiss'
  | 'customer.split'
  | 'customer.audit';

/** What customers need from the hub. */
export interface CustomersHubDeps {
  readonly clock: HubClock;
  readonly storage: Pick<HubStorage, 'interactionsOfCustomer' | 'getInteraction'>;
  /** Where customer records live; without one, only contacts' own histories exist. */
  readonly directory?: CustomerDirectory | undefined;
  /** Every interaction the hub holds live. */
  readonly interactions: () => Iterable<Live>;
  /** The interaction, from memory or storage. */
  readonly load: (cid: string) => Promise<Live | undefined>;
  /** The live record of an interaction, newer than the stored one while it lasts. */
  readonly liveRecord: (cid: string) => Interaction | undefined;
  /** Who `subject` is to the interaction. */
  readonly relationTo: (subject: Subject, current: Live) => Relation;
  /** The open cases of a customer `subject` may see (hub/cases.hub.ts), shown with an interaction's customer. */
  readonly openCaseIds?: ((customerId: string, subject: Subject) => Promise<string[]>) | undefined;
  /** Queues an agent serves. */
  readonly queuesOf: (agentId: string) => ReadonlySet<string> | undefined;
  /** The interaction as `subject` may see it. */
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
  readonly reportFailure: ReportFailure;
}

/** Customers of a hub. */
export interface CustomersHub {
  readonly handlers: CommandHandlers<CustomerOp>;
  /** Links a new interaction to its customer (subscribed to the conversation log). */
  stepped(stepped: InteractionStepped): void;
}

/** A directory row as it travels. */
function recordOf(row: CustomerRow): CustomerRecord {
  return {
    id: row.id,
    ...(row.displayName ? { displayName: row.displayName } : {}),
    createdAt: row.createdAt,
    identifiers: row.identifiers.map((i) => ({ ...i })),
    channels: [...row.channels],
    ...(row.crm ? { crm: { id: row.crm.id, ...(row.crm.url ? { url: row.crm.url } : {}) } } : {}),
  };
}

/**
 * Creates the customers part of a hub: one's own conversations, a customer's history across channels, the records
 * of the customer directory (docs/customers.md) and who may read and change them — agents the customers of their
 * queues (merging them too), supervisors everything, splits and the audit trail included. Visitors none of it.
 *
 * @example
 * ```ts
 * const customers = createCustomersHub({ clock, storage, directory, interactions, load, liveRecord, relationTo, queuesOf, wireFor, reportFailure });
 * log.subscribe(customers.stepped);
 * ```
 */
export function createCustomersHub(deps: CustomersHubDeps): CustomersHub {
  const { storage, relationTo, wireFor, directory } = deps;
  const newest = (interaction: Interaction) => deps.liveRecord(interaction.id) ?? interaction;

  /** The directory, for commands that change records: a hub without one has only contacts, nothing to merge. */
  function requireDirectory(operation: string): CustomerDirectory {
    if (!directory)
      throw helplineError('conflict/state', {
        operation,
        entity: 'server',
        state: 'running without a customer directory',
      });
    return directory;
  }

  /**
   * A contact as a customer record, for a hub without a directory (the in-memory hub of tests and demos): the
   * contact's own interactions, no identifiers to merge.
   */
  async function contactView(contactId: string, subject: Subject): Promise<CommandResult<'customer.get'>> {
    const stored = (await storage.interactionsOfCustomer(contactId)).map(newest);
    const first = stored[0];
    if (!first) throw helplineError('not-found', { entity: 'Customer', id: contactId });
    if (subject.role !== 'supervisor') {
      const served = deps.queuesOf(subject.id) ?? new Set<string>();
      if (!stored.some((i) => served.has(i.queueId)))
        throw helplineError('not-found', { entity: 'Customer', id: contactId });
    }
    const sorted = stored.sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt);
    const customer: CustomerRecord = {
      id: contactId,
      ...(first.customer.name ? { displayName: first.customer.name } : {}),
      createdAt: Math.min(...stored.map((i) => i.timestamps.createdAt)),
      identifiers: [],
      channels: [...new Set(sorted.map((i) => i.channel))],
    };
    const interactions = sorted.slice(0, CUSTOMER_HISTORY_LIMIT).map((i) => wireFor(i, subject));
    return { customer, interactions, suggestions: [] };
  }

  function actorOf(subject: Subject): CustomerActor {
    return { id: subject.id, role: subject.role === 'supervisor' ? 'supervisor' : 'agent' };
  }

  /** Links of new interactions still being written, so a reader waits for them rather than linking a second way. */
  const linking = new Map<string, Promise<string>>();

  /** The customer an interaction belongs to, linked now if it never was (older history, a failed link). */
  async function customerOfInteraction(dir: CustomerDirectory, interaction: Interaction): Promise<string> {
    const pending = linking.get(interaction.id);
    if (pending) await pending.catch(() => undefined);
    return (
      (await dir.customerOfInteraction(interaction.id)) ??
      dir.link(interaction.id, storedContactIdentity(interaction), deps.clock.now())
    );
  }

  /**
   * An agent may see and merge the customers who have an interaction in a queue they serve; anyone else is told the
   * customer does not exist (ids are not probed). Supervisors see every customer.
   */
  async function authorizeCustomer(
    caller: Caller,
    dir: CustomerDirectory,
    customerId: string,
  ): Promise<void> {
    if (caller.subject.role === 'supervisor') return;
    const served = deps.queuesOf(caller.subject.id) ?? new Set<string>();
    const queues = await dir.queuesOf(customerId);
    if (!queues.some((queueId) => served.has(queueId)))
      throw helplineError('not-found', { entity: 'Customer', id: customerId });
  }

  async function timeline(
    dir: CustomerDirectory,
    customerId: string,
    subject: Subject,
  ): Promise<WireInteraction[]> {
    const ids = await dir.interactionIds(customerId, CUSTOMER_HISTORY_LIMIT);
    const found = await Promise.all(
      ids.map(async (cid) => deps.liveRecord(cid) ?? (await storage.getInteraction(cid))?.interaction),
    );
    return found
      .filter((interaction): interaction is Interaction => interaction !== undefined)
      .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)
      .map((interaction) => wireFor(interaction, subject));
  }

  async function viewOf(
    dir: CustomerDirectory,
    customerId: string,
    subject: Subject,
  ): Promise<CommandResult<'customer.get'>> {
    const row = await dir.get(customerId);
    if (!row) throw helplineError('not-found', { entity: 'Customer', id: customerId });
    const [interactions, suggestions] = await Promise.all([
      timeline(dir, row.id, subject),
      dir.suggestions(row.id),
    ]);
    return { customer: recordOf(row), interactions, suggestions: suggestions.map((s) => ({ ...s })) };
  }

  /** The staff member's queues, for narrowing lists to what an agent may see (`undefined`: a supervisor's all). */
  function queueFilter(subject: Subject): string[] | undefined {
    return subject.role === 'supervisor' ? undefined : [...(deps.queuesOf(subject.id) ?? [])];
  }

  const handlers: CustomersHub['handlers'] = {
    async 'conversation.list'(caller) {
      // Staff list what they hold (an agent) or everything live (a supervisor); visitors, their own.
      const own = STAFF_ROLES.has(caller.subject.role)
        ? [...deps.interactions()]
            .filter((l) => ['assigned', 'supervisor'].includes(relationTo(caller.subject, l)))
            .map((l) => l.interaction)
        : await storage.interactionsOfCustomer(caller.subject.id);
      return { interactions: own.map((i) => wireFor(newest(i), caller.subject)) };
    },
    async 'customer.history'(caller, args) {
      authorizeRole(caller.subject, 'customer.history', "read a customer's history");
      // An agent sees the history of a customer they are working with; a supervisor, of anyone.
      const held = [...deps.interactions()].find(
        (l) => l.interaction.customer.id === args.customerId && relationTo(caller.subject, l) === 'assigned',
      );
      if (caller.subject.role !== 'supervisor' && !held)
        throw helplineError('not-found', { entity: 'Customer', id: args.customerId });
      const stored = await storage.interactionsOfCustomer(args.customerId);
      // With a directory the contact's history is its customer's: every channel and identity merged into it.
      const anchor = held?.interaction ?? stored[0];
      if (directory && anchor) {
        const customerId = await customerOfInteraction(directory, anchor);
        return { interactions: await timeline(directory, customerId, caller.subject) };
      }
      const interactions = stored
        .map(newest)
        .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)
        .slice(0, CUSTOMER_HISTORY_LIMIT);
      return { interactions: interactions.map((i) => wireFor(i, caller.subject)) };
    },
    async 'customer.of'(caller, args) {
      authorizeRole(caller.subject, 'customer.of', "read an interaction's customer");
      const current = await deps.load(args.cid);
      if (!current || !CUSTOMER_OF_RELATIONS.has(relationTo(caller.subject, current)))
        throw helplineError('not-found', { entity: 'Conversation', id: args.cid });
      const view = directory
        ? await viewOf(directory, await customerOfInteraction(directory, current.interaction), caller.subject)
        : await contactView(current.interaction.customer.id, caller.subject);
      // A new contact from a customer with an open case: the console offers to attach it.
      const openCaseIds = await deps.openCaseIds?.(view.customer.id, caller.subject);
      return openCaseIds && openCaseIds.length > 0 ? { ...view, openCaseIds } : view;
    },
    async 'customer.get'(caller, args) {
      authorizeRole(caller.subject, 'customer.get', 'read a customer');
      if (!directory) return contactView(args.customerId, caller.subject);
      await authorizeCustomer(caller, directory, args.customerId);
      return viewOf(directory, args.customerId, caller.subject);
    },
    async 'customer.search'(caller, args) {
      authorizeRole(caller.subject, 'customer.search', 'search customers');
      // An agent finds the customers they could open (customer.get), not every customer's emails and numbers.
      const rows = directory
        ? await directory.search(args.query, args.limit ?? SEARCH_LIMIT, queueFilter(caller.subject))
        : [];
      return { customers: rows.map(recordOf) };
    },
    async 'customer.suggestions'(caller) {
      authorizeRole(caller.subject, 'customer.suggestions', 'list merge suggestions');
      const rows = directory ? await directory.suggestions(undefined, queueFilter(caller.subject)) : [];
      return { suggestions: rows.map((s) => ({ ...s })) };
    },
    async 'customer.merge'(caller, args) {
      authorizeRole(caller.subject, 'customer.merge', 'merge customers');
      const dir = requireDirectory('merge customers');
      if (args.targetId === args.sourceId)
        throw helplineError('validation/field', {
          scope: 'customer.merge',
          field: 'sourceId',
          detail: 'must name another customer than targetId',
        });
      // An agent merges only customers they could open: both have interactions in the agent's queues.
      await authorizeCustomer(caller, dir, args.targetId);
      await authorizeCustomer(caller, dir, args.sourceId);
      if (args.suggestionId !== undefined) {
        const suggestion = await dir.suggestion(args.suggestionId);
        const pair = suggestion && new Set([suggestion.customerId, suggestion.otherId]);
        if (!pair?.has(args.targetId) || !pair.has(args.sourceId))
          throw helplineError('not-found', { entity: 'Suggestion', id: args.suggestionId });
      }
      const merged = await dir.merge(
        args.targetId,
        args.sourceId,
        actorOf(caller.subject),
        args.suggestionId,
        deps.clock.now(),
      );
      return { customer: recordOf(merged) };
    },
    async 'customer.dismiss'(caller, args) {
      authorizeRole(caller.subject, 'customer.dismiss', 'dismiss a merge suggestion');
      const dir = requireDirectory('dismiss a merge suggestion');
      const suggestion = await dir.suggestion(args.suggestionId);
      if (!suggestion) throw helplineError('not-found', { entity: 'Suggestion', id: args.suggestionId });
      await authorizeCustomer(caller, dir, suggestion.customerId);
      await authorizeCustomer(caller, dir, suggestion.otherId);
      await dir.dismiss(args.suggestionId, actorOf(caller.subject), deps.clock.now());
      return {};
    },
    async 'customer.split'(caller, args) {
      authorizeRole(caller.subject, 'customer.split', 'split a customer');
      const dir = requireDirectory('split a customer');
      const { customer, remaining } = await dir.split(
        args.customerId,
        { identifierIds: args.identifierIds, interactionIds: args.interactionIds },
        args.displayName,
        actorOf(caller.subject),
        deps.clock.now(),
      );
      return { customer: recordOf(customer), remaining: recordOf(remaining) };
    },
    async 'customer.audit'(caller, args) {
      authorizeRole(caller.subject, 'customer.audit', "read a customer's audit trail");
      const dir = requireDirectory("read a customer's audit trail");
      const entries = await dir.audit(args.customerId);
      return {
        entries: entries.map((e) => ({
          ...e,
          identifiers: [...e.identifiers],
          interactions: [...e.interactions],
        })),
      };
    },
  };

  function stepped({ current, contact }: InteractionStepped): void {
    if (!directory || !contact) return;
    const cid = current.interaction.id;
    // Linked after the interaction is stored; a failure leaves it to be linked when someone first opens it.
    const link = directory.link(cid, contact, deps.clock.now());
    linking.set(cid, link);
    link
      .catch((error: unknown) => deps.reportFailure(`linking interaction ${cid} to its customer`, error))
      .finally(() => linking.delete(cid));
  }

  return { handlers, stepped };
}
