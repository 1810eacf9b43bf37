import { randomBytes } from 'node:crypto';
import { type Channel, helplineError } from '@helpline/core';
import type {
  AuditRow,
  ContactIdentity,
  CustomerActor,
  CustomerDirectory,
  CustomerRow,
  IdentifierClaim,
  IdentifierKind,
  SuggestionRow,
} from '@helpline/core/hub';
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { SqlClient, SqlQueryable } from '../storage/sql.client';

// The customer directory over PGlite or PostgreSQL (migration 14; rules in docs/customers.md). Every change is one
// transaction under one advisory lock: resolving two contacts of the same person at once must not make two customers,
// and a merge must not race a split. Creating contacts is rare next to messages, so one lock costs nothing.

/** Any constant works; it only has to be the same for every Helpline process sharing a database. */
const CUSTOMERS_LOCK = 0x48_4c_43_55;
const SUGGESTION_LIST_LIMIT = 100;
const AUDIT_LIMIT = 200;
const MERGE_HOPS = 8;
const PHONE_KINDS: ReadonlySet<IdentifierKind> = new Set(['phone', 'whatsapp', 'sms']);

/** What a host CRM's resolver is given: the customer's identifiers, normalised (verified ones first). */
export interface CrmLookup {
  readonly customerId: string;
  readonly identifiers: readonly { kind: IdentifierKind; value: string; verified: boolean }[];
}

/** A host CRM's own record of the customer: shown on the screen pop instead of ours. */
export interface CrmRecord {
  /** The CRM's id of the person. */
  readonly customerId: string;
  readonly displayName?: string | undefined;
  /** A page of the CRM about the person (`https:` only; anything else is dropped). */
  readonly crmUrl?: string | undefined;
}

/** Options of {@link createSqlCustomerDirectory}. */
export interface CustomerDirectoryOptions {
  /**
   * Region for phone numbers written without a country code (ISO 3166-1 alpha-2, e.g. `NL`). Without it, only
   * numbers in international form are phone identifiers.
   */
  readonly defaultCountry?: CountryCode | undefined;
  /**
   * The host CRM's resolver: called once for each new customer (and for one it never found), with a timeout; what it
   * answers is kept on the record. A failure or a timeout leaves the record as it is (see {@link crmWebhook}).
   */
  readonly resolveCustomer?: ((lookup: CrmLookup) => Promise<CrmRecord | undefined>) | undefined;
  /** How long the resolver may take, ms. Default 2,000. */
  readonly resolveTimeoutMs?: number | undefined;
  /** Where resolver failures go. */
  readonly onResolveError?: ((error: unknown) => void) | undefined;
}

interface CustomerTableRow {
  id: string;
  display_name: string | null;
  created_at: string | number;
  merged_into: string | null;
  crm_id: string | null;
  crm_url: string | null;
}

interface IdentifierTableRow {
  id: string;
  customer_id: string;
  kind: IdentifierKind;
  value: string;
  verified: boolean;
  source: string;
  created_at: string | number;
}

interface SuggestionTableRow {
  id: string;
  customer_a: string;
  customer_b: string;
  reason: string;
  created_at: string | number;
}

const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
/** `text` with LIKE's wildcards and escape taken literally. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
const likePrefix = (text: string) => `${escapeLike(text)}%`;
const wordsOf = (name: string | undefined) =>
  [...new Set((name ?? '').toLowerCase().split(/\s+/).filter(Boolean))].slice(0, 12);

/**
 * The normalised value of an identifier, or `undefined` when it cannot be one: emails lower-cased, phone numbers
 * (and the numbers of SMS and WhatsApp) in E.164 — through libphonenumber-js, so `+44 20 7946 0958`, `+442079460958`
 * and, with a default country of GB, `020 7946 0958` are the same number.
 */
export function normaliseIdentifier(
  kind: IdentifierKind,
  value: string,
  defaultCountry?: CountryCode,
): string | undefined {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.length > 320) return undefined;
  if (kind === 'email') return /^[^\s@]+@[^\s@]+$/.test(trimmed) ? trimmed.toLowerCase() : undefined;
  if (PHONE_KINDS.has(kind)) {
    const international = /^\d+$/.test(trimmed) && kind !== 'phone' ? `+${trimmed}` : trimmed;
    const parsed = parsePhoneNumberFromString(international, defaultCountry);
    return parsed?.isPossible() ? parsed.number : undefined;
  }
  return trimmed;
}

/** The claims of a contact, normalised and once each (verified wins over unverified). */
function normalisedClaims(identity: ContactIdentity, defaultCountry?: CountryCode): IdentifierClaim[] {
  const byKey = new Map<string, IdentifierClaim>();
  for (const claim of identity.identifiers) {
    const value = normaliseIdentifier(claim.kind, claim.value, defaultCountry);
    if (value === undefined) continue;
    const key = `${claim.kind}\u0000${value}`;
    const known = byKey.get(key);
    if (!known || (!known.verified && claim.verified)) byKey.set(key, { ...claim, value });
  }
  return [...byKey.values()];
}

/** Rejects after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CRM resolver timed out after ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * The customer directory of a server, over its database (migration 14). Resolution rules (docs/customers.md):
 *
 * 1. a verified identifier of the contact that a customer holds verified → that customer (several: merged into the
 *    oldest, recorded as an automatic merge);
 * 2. a contact with nothing verified (an email's sender, an untrusted caller id) joins a customer made of unverified
 *    claims only that shares one of them — the same sender writing again — never a customer who proved anything;
 * 3. otherwise a new customer; every other customer sharing an identifier gets a **suggested** merge.
 *
 * @example
 * ```ts
 * const directory = createSqlCustomerDirectory(storage.sql, { defaultCountry: 'NL' });
 * const hub = createHub({ queues, agents, authenticate, storage, customers: directory });
 * ```
 */
export function createSqlCustomerDirectory(
  client: SqlClient,
  options: CustomerDirectoryOptions = {},
): CustomerDirectory {
  const { defaultCountry } = options;

  function locked<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T> {
    return client.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CUSTOMERS_LOCK]);
      return work(tx);
    });
  }

  /** The customer that holds `customerId`'s records now (itself, or the one it was merged into). */
  async function current(db: SqlQueryable, customerId: string): Promise<CustomerTableRow | undefined> {
    let id = customerId;
    for (let hop = 0; hop < MERGE_HOPS; hop += 1) {
      const [row] = await db.query<CustomerTableRow>('SELECT * FROM customers WHERE id = $1', [id]);
      if (!row?.merged_into) return row;
      id = row.merged_into;
    }
    return undefined;
  }

  async function rowsOf(db: SqlQueryable, ids: readonly string[]): Promise<CustomerRow[]> {
    if (ids.length === 0) return [];
    // One after the other: inside a transaction the statements share one connection.
    const customers = await db.query<CustomerTableRow>('SELECT * FROM customers WHERE id = ANY($1)', [ids]);
    const identifiers = await db.query<IdentifierTableRow>(
      'SELECT * FROM customer_identifiers WHERE customer_id = ANY($1) ORDER BY verified DESC, created_at, id',
      [ids],
    );
    const channels = await db.query<{ customer_id: string; channel: Channel }>(
      `SELECT ci.customer_id, i.channel FROM customer_interactions ci JOIN interactions i ON i.id = ci.interaction_id
       WHERE ci.customer_id = ANY($1) GROUP BY ci.customer_id, i.channel ORDER BY max(i.created_at) DESC`,
      [ids],
    );
    const byId = new Map(customers.map((row) => [row.id, row]));
    return ids.flatMap((id): CustomerRow[] => {
      const row = byId.get(id);
      if (!row) return [];
      return [
        {
          id: row.id,
          ...(row.display_name ? { displayName: row.display_name } : {}),
          createdAt: Number(row.created_at),
          ...(row.merged_into ? { mergedInto: row.merged_into } : {}),
          identifiers: identifiers
            .filter((i) => i.customer_id === id)
            .map((i) => ({
              id: i.id,
              kind: i.kind,
              value: i.value,
              verified: i.verified,
              source: i.source,
              createdAt: Number(i.created_at),
            })),
          channels: channels.filter((c) => c.customer_id === id).map((c) => c.channel),
          ...(row.crm_id ? { crm: { id: row.crm_id, ...(row.crm_url ? { url: row.crm_url } : {}) } } : {}),
        },
      ];
    });
  }

  async function rowOf(db: SqlQueryable, id: string): Promise<CustomerRow> {
    const [row] = await rowsOf(db, [id]);
    if (!row) throw helplineError('not-found', { entity: 'Customer', id });
    return row;
  }

  async function createCustomer(
    tx: SqlQueryable,
    displayName: string | undefined,
    at: number,
  ): Promise<string> {
    const id = newId('cu');
    await tx.query('INSERT INTO customers (id, display_name, created_at) VALUES ($1, $2, $3)', [
      id,
      displayName?.slice(0, 200) ?? null,
      at,
    ]);
    const words = wordsOf(displayName);
    if (words.length > 0)
      await tx.query('INSERT INTO customer_terms (customer_id, term) SELECT $1, unnest($2::text[])', [
        id,
        words,
      ]);
    return id;
  }

  async function audit(tx: SqlQueryable, entry: AuditRow): Promise<void> {
    await tx.query(
      `INSERT INTO customer_audit (at, actor_id, actor_role, action, customer_id, other_id, identifiers, interactions, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.at,
        entry.actorId,
        entry.actorRole,
        entry.action,
        entry.customerId,
        entry.otherId ?? null,
        JSON.stringify(entry.identifiers),
        JSON.stringify(entry.interactions),
        entry.reason ?? null,
      ],
    );
  }

  async function suggest(tx: SqlQueryable, a: string, b: string, reason: string, at: number): Promise<void> {
    if (a === b) return;
    // A pair already suggested, or dismissed, stays as it is (the unique index on the pair).
    await tx.query(
      `INSERT INTO customer_suggestions (id, customer_a, customer_b, reason, created_at, status)
       VALUES ($1, $2, $3, $4, $5, 'open') ON CONFLICT DO NOTHING`,
      [newId('cs'), a, b, reason.slice(0, 400), at],
    );
  }

  /** Moves everything of `source` to `target` (both current customers), records it, and leaves `source` pointing on. */
  async function mergeInto(
    tx: SqlQueryable,
    target: string,
    source: string,
    actor: CustomerActor,
    action: 'merge' | 'auto-merge',
    reason: string | undefined,
    at: number,
  ): Promise<void> {
    // Identifiers both hold: the source's copy goes, and the target's becomes verified if the source's was.
    const duplicates = await tx.query<{ kind: string; value: string; verified: boolean }>(
      `DELETE FROM customer_identifiers s USING customer_identifiers t
       WHERE s.customer_id = $1 AND t.customer_id = $2 AND s.kind = t.kind AND s.value = t.value
       RETURNING s.kind, s.value, s.verified`,
      [source, target],
    );
    const proven = duplicates.filter((d) => d.verified);
    if (proven.length > 0)
      await tx.query(
        `UPDATE customer_identifiers SET verified = true WHERE customer_id = $1
         AND (kind, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
        [target, proven.map((d) => d.kind), proven.map((d) => d.value)],
      );
    const moved = await tx.query<{ kind: string; value: string }>(
      'UPDATE customer_identifiers SET customer_id = $2 WHERE customer_id = $1 RETURNING kind, value',
      [source, target],
    );
    const interactions = await tx.query<{ interaction_id: string }>(
      'UPDATE customer_interactions SET customer_id = $2 WHERE customer_id = $1 RETURNING interaction_id',
      [source, target],
    );
    await tx.query('UPDATE customer_terms SET customer_id = $2 WHERE customer_id = $1', [source, target]);
    // Merged-into chains stay one hop long.
    await tx.query('UPDATE customers SET merged_into = $2 WHERE id = $1 OR merged_into = $1', [
      source,
      target,
    ]);
    await tx.query(
      `UPDATE customer_suggestions SET status = 'accepted', decided_by = $3, decided_at = $4
       WHERE status = 'open' AND ((customer_a = $1 AND customer_b = $2) OR (customer_a = $2 AND customer_b = $1))`,
      [source, target, actor.id, at],
    );
    // The source's other suggestions are now the target's.
    const others = await tx.query<SuggestionTableRow>(
      `UPDATE customer_suggestions SET status = 'superseded', decided_by = $2, decided_at = $3
       WHERE status = 'open' AND (customer_a = $1 OR customer_b = $1) RETURNING *`,
      [source, actor.id, at],
    );
    for (const s of others)
      await suggest(tx, target, s.customer_a === source ? s.customer_b : s.customer_a, s.reason, at);
    await audit(tx, {
      at,
      actorId: actor.id,
      actorRole: actor.role,
      action,
      customerId: target,
      otherId: source,
      identifiers: [...duplicates, ...moved].map((i) => `${i.kind}:${i.value}`),
      interactions: interactions.map((i) => i.interaction_id),
      reason,
    });
  }

  /** Resolves a contact to a customer inside the lock (rules in the directory's summary). */
  async function resolve(tx: SqlQueryable, identity: ContactIdentity, at: number): Promise<string> {
    const claims = normalisedClaims(identity, defaultCountry);
    const verified = claims.filter((c) => c.verified);
    const kinds = (list: readonly IdentifierClaim[]) => list.map((c) => c.kind);
    const values = (list: readonly IdentifierClaim[]) => list.map((c) => c.value);
    let target: string | undefined;
    if (verified.length > 0) {
      const matched = await tx.query<{ customer_id: string; kind: string; value: string }>(
        `SELECT ci.customer_id, ci.kind, ci.value FROM customer_identifiers ci JOIN customers c ON c.id = ci.customer_id
         WHERE ci.verified AND (ci.kind, ci.value) IN (SELECT * FROM unnest($1::text[], $2::text[]))
         ORDER BY c.created_at, c.id`,
        [kinds(verified), values(verified)],
      );
      target = matched[0]?.customer_id;
      const merged = new Set(target ? [target] : []);
      for (const match of matched) {
        if (!target || merged.has(match.customer_id)) continue;
        merged.add(match.customer_id);
        await mergeInto(
          tx,
          target,
          match.customer_id,
          { id: 'system', role: 'system' },
          'auto-merge',
          `verified ${match.kind}:${match.value}`,
          at,
        );
      }
    } else if (claims.length > 0) {
      // Nothing proven: the same unproven sender again, never anyone who proved something.
      const [joined] = await tx.query<{ customer_id: string }>(
        `SELECT ci.customer_id FROM customer_identifiers ci JOIN customers c ON c.id = ci.customer_id
         WHERE (ci.kind, ci.value) IN (SELECT * FROM unnest($1::text[], $2::text[]))
           AND NOT EXISTS (SELECT 1 FROM customer_identifiers v WHERE v.customer_id = ci.customer_id AND v.verified)
         ORDER BY c.created_at, c.id LIMIT 1`,
        [kinds(claims), values(claims)],
      );
      target = joined?.customer_id;
    }
    target ??= await createCustomer(tx, identity.displayName, at);
    for (const claim of claims) {
      await tx.query(
        `INSERT INTO customer_identifiers (id, customer_id, kind, value, verified, source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (customer_id, kind, value) DO UPDATE SET verified = customer_identifiers.verified OR EXCLUDED.verified`,
        [newId('ci'), target, claim.kind, claim.value, claim.verified, claim.source, at],
      );
    }
    // Anyone else holding one of these identifiers is suggested, never merged: one of the two did not prove it.
    const sharing = await tx.query<{ customer_id: string; kind: string; value: string }>(
      `SELECT DISTINCT ON (customer_id) customer_id, kind, value FROM customer_identifiers
       WHERE customer_id <> $1 AND (kind, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
      [target, kinds(claims), values(claims)],
    );
    for (const other of sharing)
      await suggest(tx, target, other.customer_id, `${other.kind}:${other.value}`, at);
    return target;
  }

  /** Asks the host CRM about a customer it does not know yet; keeps what it answers. */
  async function askCrm(customerId: string): Promise<void> {
    const resolver = options.resolveCustomer;
    if (!resolver) return;
    try {
      const row = await rowOf(client, customerId);
      if (row.crm) return;
      const found = await withTimeout(
        resolver({
          customerId,
          identifiers: row.identifiers.map(({ kind, value, verified }) => ({ kind, value, verified })),
        }),
        options.resolveTimeoutMs ?? 2_000,
      );
      if (!found || typeof found.customerId !== 'string' || found.customerId === '') return;
      const url = found.crmUrl && /^https:\/\//i.test(found.crmUrl) ? found.crmUrl.slice(0, 2_000) : null;
      await client.query(
        'UPDATE customers SET crm_id = $2, crm_url = $3, display_name = coalesce($4, display_name) WHERE id = $1',
        [customerId, found.customerId.slice(0, 200), url, found.displayName?.slice(0, 200) ?? null],
      );
    } catch (error) {
      options.onResolveError?.(error);
    }
  }

  async function requireCurrent(tx: SqlQueryable, customerId: string, operation: string): Promise<string> {
    const [row] = await tx.query<CustomerTableRow>('SELECT * FROM customers WHERE id = $1', [customerId]);
    if (!row) throw helplineError('not-found', { entity: 'Customer', id: customerId });
    if (row.merged_into)
      throw helplineError('conflict/state', {
        operation,
        entity: 'Customer',
        state: `merged into ${row.merged_into}`,
      });
    return row.id;
  }

  function suggestionOf(row: SuggestionTableRow, perspective?: string): SuggestionRow {
    const flipped = perspective !== undefined && row.customer_b === perspective;
    return {
      id: row.id,
      customerId: flipped ? row.customer_b : row.customer_a,
      otherId: flipped ? row.customer_a : row.customer_b,
      reason: row.reason,
      createdAt: Number(row.created_at),
    };
  }

  return {
    async link(interactionId, identity, at) {
      let created = false;
      const customerId = await locked(async (tx) => {
        const [linked] = await tx.query<{ customer_id: string }>(
          'SELECT customer_id FROM customer_interactions WHERE interaction_id = $1',
          [interactionId],
        );
        if (linked) return linked.customer_id;
        const target = await resolve(tx, identity, at);
        await tx.query(
          'INSERT INTO customer_interactions (interaction_id, customer_id, linked_at) VALUES ($1, $2, $3)',
          [interactionId, target, at],
        );
        created = true;
        return target;
      });
      if (created) await askCrm(customerId);
      return customerId;
    },
    async customerOfInteraction(interactionId) {
      const [row] = await client.query<{ customer_id: string }>(
        'SELECT customer_id FROM customer_interactions WHERE interaction_id = $1',
        [interactionId],
      );
      return row?.customer_id;
    },
    async get(customerId) {
      const row = await current(client, customerId);
      return row ? rowOf(client, row.id) : undefined;
    },
    async interactionIds(customerId, limit) {
      const row = await current(client, customerId);
      if (!row) return [];
      const rows = await client.query<{ interaction_id: string }>(
        `SELECT ci.interaction_id FROM customer_interactions ci LEFT JOIN interactions i ON i.id = ci.interaction_id
         WHERE ci.customer_id = $1 ORDER BY i.created_at DESC NULLS LAST, ci.interaction_id LIMIT $2`,
        [row.id, limit],
      );
      return rows.map((r) => r.interaction_id);
    },
    async queuesOf(customerId) {
      const row = await current(client, customerId);
      if (!row) return [];
      const rows = await client.query<{ queue_id: string }>(
        `SELECT DISTINCT i.queue_id FROM customer_interactions ci JOIN interactions i ON i.id = ci.interaction_id
         WHERE ci.customer_id = $1`,
        [row.id],
      );
      return rows.map((r) => r.queue_id);
    },
    async search(query, limit, queueIds) {
      const text = query.trim().toLowerCase();
      if (text.length < 2) return [];
      // An agent finds only customers with an interaction in one of their queues (the same rule as customer.get),
      // narrowed inside each scan, before its limit. The queues are always the last parameter.
      const scoped = (column: string, param: number) =>
        queueIds
          ? `AND EXISTS (SELECT 1 FROM customer_interactions sc JOIN interactions si ON si.id = sc.interaction_id
                 WHERE sc.customer_id = ${column} AND si.queue_id = ANY($${param}::text[]))`
          : '';
      const scope = queueIds ? [[...queueIds]] : [];
      let ids: { customer_id: string }[];
      if (text.includes('@')) {
        ids = await client.query(
          `SELECT DISTINCT ci.customer_id FROM customer_identifiers ci
           WHERE ci.kind = 'email' AND ci.value LIKE $1 ${scoped('ci.customer_id', 3)} LIMIT $2`,
          [likePrefix(text), limit, ...scope],
        );
      } else if (/^\+?[\d\s().-]+$/.test(text) && text.replace(/\D/g, '').length >= 3) {
        // A whole number in any form is one E.164 value; a part of one, a prefix of the international form.
        const whole = normaliseIdentifier('phone', text, defaultCountry);
        ids = await client.query(
          `SELECT DISTINCT ci.customer_id FROM customer_identifiers ci
           WHERE ci.kind IN ('phone', 'whatsapp', 'sms') AND ci.value ${whole ? '= $1' : 'LIKE $1'}
             ${scoped('ci.customer_id', 3)} LIMIT $2`,
          [whole ?? likePrefix(`+${text.replace(/\D/g, '')}`), limit, ...scope],
        );
      } else {
        // Every word must start a word of the name: the rarest word (counted up to a bound, through the index) drives
        // the scan, the others are checked per candidate — "ada 3f" must not walk every Ada. A single word may also
        // start an email address.
        const words = wordsOf(text);
        if (words.length > 1) {
          const counts = new Map<string, number>();
          for (const word of words) {
            const [row] = await client.query<{ n: string | number }>(
              'SELECT count(*) AS n FROM (SELECT 1 FROM customer_terms WHERE term LIKE $1 LIMIT 2000) hits',
              [likePrefix(word)],
            );
            counts.set(word, Number(row?.n ?? 0));
          }
          words.sort((x, y) => (counts.get(x) ?? 0) - (counts.get(y) ?? 0));
        }
        ids = await client.query(
          `SELECT DISTINCT customer_id FROM (
             (SELECT t.customer_id FROM customer_terms t WHERE t.term LIKE $1
                AND NOT EXISTS (SELECT 1 FROM unnest($2::text[]) w WHERE NOT EXISTS (
                  SELECT 1 FROM customer_terms u WHERE u.customer_id = t.customer_id AND u.term LIKE w || '%'))
                ${scoped('t.customer_id', 5)}
              LIMIT $3)
             UNION ALL
             (SELECT ci.customer_id FROM customer_identifiers ci
              WHERE ci.kind = 'email' AND ci.value LIKE $4 AND cardinality($2::text[]) = 0
                ${scoped('ci.customer_id', 5)} LIMIT $3)
           ) found LIMIT $3`,
          [likePrefix(words[0] ?? text), words.slice(1).map(escapeLike), limit, likePrefix(text), ...scope],
        );
      }
      const rows = await rowsOf(client, [...new Set(ids.map((r) => r.customer_id))]);
      return rows.filter((row) => row.mergedInto === undefined);
    },
    async suggestions(customerId, queueIds) {
      if (customerId !== undefined) {
        const row = await current(client, customerId);
        if (!row) return [];
        const rows = await client.query<SuggestionTableRow>(
          `SELECT * FROM customer_suggestions WHERE status = 'open' AND (customer_a = $1 OR customer_b = $1)
           ORDER BY created_at DESC, id LIMIT $2`,
          [row.id, SUGGESTION_LIST_LIMIT],
        );
        return rows.map((s) => suggestionOf(s, row.id));
      }
      // An agent's list: suggestions whose two customers both have interactions in the agent's queues.
      const inQueues = (column: string) =>
        `EXISTS (SELECT 1 FROM customer_interactions ci JOIN interactions i ON i.id = ci.interaction_id
                 WHERE ci.customer_id = s.${column} AND i.queue_id = ANY($2))`;
      const rows = await client.query<SuggestionTableRow>(
        `SELECT * FROM customer_suggestions s WHERE status = 'open'
         ${queueIds ? `AND ${inQueues('customer_a')} AND ${inQueues('customer_b')}` : 'AND $2::text[] IS NULL'}
         ORDER BY created_at DESC, id LIMIT $1`,
        [SUGGESTION_LIST_LIMIT, queueIds ?? null],
      );
      return rows.map((s) => suggestionOf(s));
    },
    async suggestion(suggestionId) {
      const [row] = await client.query<SuggestionTableRow>(
        'SELECT * FROM customer_suggestions WHERE id = $1',
        [suggestionId],
      );
      return row ? suggestionOf(row) : undefined;
    },
    async merge(targetId, sourceId, actor, suggestionId, at) {
      return locked(async (tx) => {
        const target = await requireCurrent(tx, targetId, 'merge customers');
        const source = await requireCurrent(tx, sourceId, 'merge customers');
        if (target === source)
          throw helplineError('validation/field', {
            scope: 'customer.merge',
            field: 'sourceId',
            detail: 'must name another customer than targetId',
          });
        await mergeInto(
          tx,
          target,
          source,
          actor,
          'merge',
          suggestionId ? `suggestion ${suggestionId}` : undefined,
          at,
        );
        return rowOf(tx, target);
      });
    },
    async dismiss(suggestionId, actor, at) {
      return locked(async (tx) => {
        const [row] = await tx.query<SuggestionTableRow>(
          `UPDATE customer_suggestions SET status = 'dismissed', decided_by = $2, decided_at = $3
           WHERE id = $1 AND status = 'open' RETURNING *`,
          [suggestionId, actor.id, at],
        );
        if (!row) {
          const [known] = await tx.query<{ status: string }>(
            'SELECT status FROM customer_suggestions WHERE id = $1',
            [suggestionId],
          );
          if (!known) throw helplineError('not-found', { entity: 'Suggestion', id: suggestionId });
          throw helplineError('conflict/state', {
            operation: 'dismiss a merge suggestion',
            entity: 'Suggestion',
            state: known.status,
          });
        }
        await audit(tx, {
          at,
          actorId: actor.id,
          actorRole: actor.role,
          action: 'dismiss',
          customerId: row.customer_a,
          otherId: row.customer_b,
          identifiers: [row.reason],
          interactions: [],
        });
        return suggestionOf(row);
      });
    },
    async split(customerId, move, displayName, actor, at) {
      return locked(async (tx) => {
        const from = await requireCurrent(tx, customerId, 'split a customer');
        const identifierIds = [...new Set(move.identifierIds)];
        const interactionIds = [...new Set(move.interactionIds)];
        const invalid = (field: string, detail: string) =>
          helplineError('validation/field', { scope: 'customer.split', field, detail }, { field });
        if (identifierIds.length + interactionIds.length === 0)
          throw invalid('identifierIds', 'and interactionIds name nothing to move');
        const [owned] = await tx.query<{ identifiers: string | number; interactions: string | number }>(
          `SELECT (SELECT count(*) FROM customer_identifiers WHERE customer_id = $1 AND id = ANY($2)) AS identifiers,
                  (SELECT count(*) FROM customer_interactions WHERE customer_id = $1 AND interaction_id = ANY($3)) AS interactions`,
          [from, identifierIds, interactionIds],
        );
        if (Number(owned?.identifiers) !== identifierIds.length)
          throw invalid('identifierIds', `must all be identifiers of customer ${from}`);
        if (Number(owned?.interactions) !== interactionIds.length)
          throw invalid('interactionIds', `must all be interactions of customer ${from}`);
        const [original] = await tx.query<CustomerTableRow>('SELECT * FROM customers WHERE id = $1', [from]);
        const created = await createCustomer(tx, displayName ?? original?.display_name ?? undefined, at);
        const moved = await tx.query<{ kind: string; value: string }>(
          'UPDATE customer_identifiers SET customer_id = $2 WHERE id = ANY($1) RETURNING kind, value',
          [identifierIds, created],
        );
        await tx.query('UPDATE customer_interactions SET customer_id = $2 WHERE interaction_id = ANY($1)', [
          interactionIds,
          created,
        ]);
        // Told apart by a person: the pair is not suggested again.
        await tx.query(
          `INSERT INTO customer_suggestions (id, customer_a, customer_b, reason, created_at, status, decided_by, decided_at)
           VALUES ($1, $2, $3, 'split', $4, 'dismissed', $5, $4) ON CONFLICT DO NOTHING`,
          [newId('cs'), from, created, at, actor.id],
        );
        await audit(tx, {
          at,
          actorId: actor.id,
          actorRole: actor.role,
          action: 'split',
          customerId: from,
          otherId: created,
          identifiers: moved.map((i) => `${i.kind}:${i.value}`),
          interactions: interactionIds,
        });
        const [customer, remaining] = await rowsOf(tx, [created, from]);
        if (!customer || !remaining) throw helplineError('not-found', { entity: 'Customer', id: created });
        return { customer, remaining };
      });
    },
    async audit(customerId) {
      const rows = await client.query<{
        at: string | number;
        actor_id: string;
        actor_role: string;
        action: AuditRow['action'];
        customer_id: string;
        other_id: string | null;
        identifiers: string[];
        interactions: string[];
        reason: string | null;
      }>(`SELECT * FROM customer_audit WHERE customer_id = $1 OR other_id = $1 ORDER BY seq DESC LIMIT $2`, [
        customerId,
        AUDIT_LIMIT,
      ]);
      return rows.map((r) => ({
        at: Number(r.at),
        actorId: r.actor_id,
        actorRole: r.actor_role,
        action: r.action,
        customerId: r.customer_id,
        ...(r.other_id ? { otherId: r.other_id } : {}),
        identifiers: r.identifiers,
        interactions: r.interactions,
        ...(r.reason ? { reason: r.reason } : {}),
      }));
    },
  };
}
