import type { Interaction } from '../interaction/interaction.types';
import { helplineError } from '../protocol/errors';
import type { WireInteraction } from '../protocol/protocol.types';
import { authorizeRole, type Relation } from './access';
import type { CommandHandlers } from './dispatch';
import type { HubStorage, Subject } from './hub.types';
import type { Live } from './live';

/** Past interactions returned for one customer. */
const CUSTOMER_HISTORY_LIMIT = 50;
const STAFF_ROLES = new Set<Subject['role']>(['agent', 'supervisor']);

/** The commands that list interactions: one's own, and a customer's history. */
export type CustomerOp = 'conversation.list' | 'customer.history';

/** What customer history needs from the hub. */
export interface CustomersHubDeps {
  readonly storage: Pick<HubStorage, 'interactionsOfCustomer'>;
  /** Every interaction the hub holds live. */
  readonly interactions: () => Iterable<Live>;
  /** The live record of an interaction, newer than the stored one while it lasts. */
  readonly liveRecord: (cid: string) => Interaction | undefined;
  /** Who `subject` is to the interaction. */
  readonly relationTo: (subject: Subject, current: Live) => Relation;
  /** The interaction as `subject` may see it. */
  readonly wireFor: (interaction: Interaction, subject: Subject | undefined) => WireInteraction;
}

/** Customer history of a hub. */
export interface CustomersHub {
  readonly handlers: CommandHandlers<CustomerOp>;
}

/**
 * Creates the customer history part of a hub.
 *
 * @example
 * ```ts
 * const customers = createCustomersHub({ storage, interactions: () => live.values(), liveRecord, relationTo, wireFor });
 * const handlers = { ...customers.handlers };
 * ```
 */
export function createCustomersHub(deps: CustomersHubDeps): CustomersHub {
  const { storage, relationTo, wireFor } = deps;
  const newest = (interaction: Interaction) => deps.liveRecord(interaction.id) ?? interaction;

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
      const related =
        caller.subject.role === 'supervisor' ||
        [...deps.interactions()].some(
          (l) =>
            l.interaction.customer.id === args.customerId && relationTo(caller.subject, l) === 'assigned',
        );
      if (!related) throw helplineError('not-found', { entity: 'Customer', id: args.customerId });
      const stored = await storage.interactionsOfCustomer(args.customerId);
      const interactions = stored
        .map(newest)
        .sort((a, b) => b.timestamps.createdAt - a.timestamps.createdAt)
        .slice(0, CUSTOMER_HISTORY_LIMIT);
      return { interactions: interactions.map((i) => wireFor(i, caller.subject)) };
    },
  };

  return { handlers };
}
