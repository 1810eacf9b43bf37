import type { Connection } from '../connection/connection';
import type { CustomerAuditEntry, CustomerRecord, CustomerView } from '../protocol/protocol.types';

/** What a split moves to the new customer: identifiers and interactions of the customer split, by id. */
export interface CustomerSplit {
  readonly identifierIds: readonly string[];
  readonly interactionIds: readonly string[];
  /** The new customer's name; default none. */
  readonly displayName?: string | undefined;
}

/**
 * Customer records for supervisors, `supervisor.customers` (docs/customers.md): find and open a record, split
 * identifiers and interactions merged by mistake into a new customer, and read who merged, split or dismissed what.
 * Split and the audit trail are supervisors' only; the server refuses them to agents (`auth/forbidden`).
 *
 * @example
 * ```ts
 * const [ada] = await supervisor.customers.search('ada');
 * const { customer, remaining } = await supervisor.customers.split(ada.id, { identifierIds: ['ci_3'], interactionIds: [] });
 * console.log(await supervisor.customers.audit(remaining.id));
 * ```
 */
export interface SupervisorCustomers {
  /** Customers whose name, email or phone starts with `query` (at least 2 characters). */
  search(query: string): Promise<readonly CustomerRecord[]>;
  /** A customer's record, timeline and open suggestions (`customer.get`). */
  get(customerId: string): Promise<CustomerView>;
  /** Moves what `split` names to a new customer; resolves with the new one and what remains of the old. */
  split(
    customerId: string,
    split: CustomerSplit,
  ): Promise<{ readonly customer: CustomerRecord; readonly remaining: CustomerRecord }>;
  /** The customer's merges, splits and dismissals, newest first. */
  audit(customerId: string): Promise<readonly CustomerAuditEntry[]>;
}

/** The customer commands of a supervisor session over `connection`. */
export function createSupervisorCustomers(connection: Connection): SupervisorCustomers {
  return {
    async search(query) {
      connection.open();
      return (await connection.command('customer.search', { query })).customers;
    },
    get(customerId) {
      connection.open();
      return connection.command('customer.get', { customerId });
    },
    split(customerId, { identifierIds, interactionIds, displayName }) {
      return connection.command('customer.split', {
        customerId,
        identifierIds: [...identifierIds],
        interactionIds: [...interactionIds],
        ...(displayName ? { displayName } : {}),
      });
    },
    async audit(customerId) {
      return (await connection.command('customer.audit', { customerId })).entries;
    },
  };
}
