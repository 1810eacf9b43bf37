import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { ContactIdentity, IdentifierClaim } from '@helpline/core/hub';
import fc from 'fast-check';
import { openStorage, type SqlStorage } from '../storage/sql.storage';
import { freshPgliteDir, testPostgresUrl } from '../testing/databases';
import {
  type CustomerDirectoryOptions,
  createSqlCustomerDirectory,
  normaliseIdentifier,
} from './customers.directory';
import { freshPostgresStorage } from './customers.testing';

const closing: (() => Promise<void>)[] = [];
after(async () => {
  for (const close of closing.reverse()) await close();
});

const system = { id: 'sam', role: 'supervisor' } as const;
let clock = 1_000;
const now = () => (clock += 1_000);

/** A contact of `contactId` claiming `identifiers`. */
function contact(
  contactId: string,
  identifiers: readonly IdentifierClaim[],
  displayName?: string,
  channel: ContactIdentity['channel'] = 'chat',
): ContactIdentity {
  const carried = identifiers.filter((c) => c.kind !== 'contact');
  const verified = carried.length === 0 || carried.some((c) => c.verified);
  return {
    contactId,
    channel,
    identifiers: [{ kind: 'contact', value: contactId, verified, source: 'token' }, ...identifiers],
    ...(displayName ? { displayName } : {}),
  };
}

const claim = (kind: IdentifierClaim['kind'], value: string, verified: boolean): IdentifierClaim => ({
  kind,
  value,
  verified,
  source: verified ? 'token' : 'prechat',
});

/** A verified web visitor (a host's signed JWT whose email and phone the host verified). */
const webVisitor = (sub: string, name: string, email: string, phone?: string) =>
  contact(
    `u_${sub}`,
    [
      claim('web', `u_${sub}`, true),
      claim('email', email, true),
      ...(phone ? [claim('phone', phone, true)] : []),
    ],
    name,
  );

/** A stored interaction row, so the directory's joins (channels, queues, order) have something to join. */
async function interaction(
  storage: SqlStorage,
  id: string,
  contactId: string,
  channel = 'chat',
  queueId = 'support',
) {
  await storage.sql.query(
    `INSERT INTO interactions (id, channel, state, is_open, customer_id, queue_id, interaction, snapshot, created_at, updated_at)
     VALUES ($1, $2, 'ended', false, $3, $4, '{}', '{}', $5, $5)`,
    [id, channel, contactId, queueId, now()],
  );
}

function suite(name: string, open: () => Promise<SqlStorage>, options: CustomerDirectoryOptions = {}) {
  async function setup() {
    const storage = await open();
    const directory = createSqlCustomerDirectory(storage.sql, { defaultCountry: 'GB', ...options });
    let n = 0;
    /** Stores an interaction of `identity` and links it, as the hub does when it is created. */
    const arrive = async (identity: ContactIdentity, channel = 'chat', queueId = 'support') => {
      const cid = `c${++n}`;
      await interaction(storage, cid, identity.contactId, channel, queueId);
      return { cid, customerId: await directory.link(cid, identity, now()) };
    };
    return { storage, directory, arrive };
  }

  describe(`customer directory on ${name}`, () => {
    it('a phone caller and a verified web visitor with the same verified number meet, whichever comes first', async () => {
      const { directory, arrive } = await setup();
      // SMS first (Vonage signs the carrier's number: verified), the web visitor after.
      const sms = await arrive(
        contact('sms:+447700900123', [
          claim('sms', '447700900123', true),
          claim('phone', '+447700900123', true),
        ]),
        'sms',
      );
      const web = await arrive(webVisitor('ada', 'Ada Lovelace', 'ada@example.com', '+44 7700 900123'));
      assert.equal(web.customerId, sms.customerId);
      // A trusted caller id (docs/customers.md: trustCallerId) with the number in national form meets both.
      const call = await arrive(
        contact('tel_1', [{ kind: 'phone', value: '07700 900123', verified: true, source: 'caller-id' }]),
        'voice',
      );
      assert.equal(call.customerId, web.customerId);
      const history = await directory.interactionIds(web.customerId, 50);
      assert.deepEqual(new Set(history), new Set([sms.cid, web.cid, call.cid]));
      const record = await directory.get(web.customerId);
      assert.deepEqual(new Set(record?.channels), new Set(['sms', 'chat', 'voice']));
      // The visitor first, then SMS: the same meeting.
      const bob = await arrive(webVisitor('bob', 'Bob', 'bob@example.com', '+447700900999'));
      const bobSms = await arrive(
        contact('sms:+447700900999', [claim('phone', '+447700900999', true)]),
        'sms',
      );
      assert.equal(bobSms.customerId, bob.customerId);
    });

    it('two verified customers that turn out to be one are merged automatically, and the audit says so', async () => {
      const { directory, arrive } = await setup();
      const web = await arrive(webVisitor('cy', 'Cy', 'cy@example.com'));
      const sms = await arrive(contact('sms:+447700900555', [claim('phone', '+447700900555', true)]), 'sms');
      assert.notEqual(web.customerId, sms.customerId);
      // The same person signs in with a token that now carries the verified number too.
      const both = await arrive(webVisitor('cy', 'Cy', 'cy@example.com', '+447700900555'));
      assert.equal(both.customerId, web.customerId, 'the oldest customer stays');
      assert.equal((await directory.get(sms.customerId))?.id, web.customerId, 'the merged one points to it');
      assert.equal((await directory.interactionIds(web.customerId, 50)).length, 3);
      const [entry] = await directory.audit(web.customerId);
      assert.equal(entry?.action, 'auto-merge');
      assert.equal(entry?.actorId, 'system');
      assert.deepEqual(entry?.interactions, [sms.cid]);
    });

    it('an unverified claim never merges: an email typed into a pre-chat form only suggests', async () => {
      const { directory, arrive } = await setup();
      const victim = await arrive(webVisitor('ann', 'Ann', 'ann@example.com', '+447700900777'));
      // An anonymous attacker types Ann's email and number into the pre-chat form.
      const attacker = await arrive(
        contact(
          'v_attacker',
          [claim('email', 'ANN@example.com', false), claim('phone', '+447700900777', false)],
          'Ann',
        ),
      );
      assert.notEqual(attacker.customerId, victim.customerId);
      assert.deepEqual(await directory.interactionIds(attacker.customerId, 50), [attacker.cid]);
      assert.ok(!(await directory.interactionIds(attacker.customerId, 50)).includes(victim.cid));
      const [suggestion] = await directory.suggestions(attacker.customerId);
      assert.equal(suggestion?.otherId, victim.customerId, 'a person is asked instead');
      // Coming back with the same token finds the attacker's own customer, still apart from Ann.
      const again = await arrive(contact('v_attacker', [claim('email', 'ann@example.com', false)]));
      assert.equal(again.customerId, attacker.customerId);
      assert.equal((await directory.suggestions(victim.customerId)).length, 1, 'suggested once');
    });

    it('a forged From joins no one who proved the address; the same sender writing again meets their own mail', async () => {
      const { directory, arrive } = await setup();
      const victim = await arrive(webVisitor('eve', 'Eve', 'eve@example.com'));
      const forged = await arrive(
        contact('email:eve-0040example.com', [
          { kind: 'email', value: 'Eve@Example.com', verified: false, source: 'email-from' },
        ]),
        'email',
      );
      assert.notEqual(forged.customerId, victim.customerId);
      assert.deepEqual(await directory.interactionIds(forged.customerId, 50), [forged.cid]);
      const next = await arrive(
        contact('email:eve-0040example.com', [
          { kind: 'email', value: 'eve@example.com', verified: false, source: 'email-from' },
        ]),
        'email',
      );
      assert.equal(next.customerId, forged.customerId, "the sender's mails meet");
      assert.equal((await directory.suggestions(victim.customerId))[0]?.otherId, forged.customerId);
      // A caller id nobody vouches for is a claim as well.
      const sms = await arrive(contact('sms:+447700900111', [claim('phone', '+447700900111', true)]), 'sms');
      const spoofed = await arrive(
        contact('tel_2', [{ kind: 'phone', value: '+447700900111', verified: false, source: 'caller-id' }]),
        'voice',
      );
      assert.notEqual(spoofed.customerId, sms.customerId);
    });

    it('manual merge and split move identifiers and interactions, in the audit trail; bad requests are typed errors', async () => {
      const { directory, arrive } = await setup();
      const a = await arrive(webVisitor('fay', 'Fay Fox', 'fay@example.com'));
      const b = await arrive(
        contact('email:fay', [
          { kind: 'email', value: 'fay@example.com', verified: false, source: 'email-from' },
        ]),
        'email',
      );
      const [suggestion] = await directory.suggestions(a.customerId);
      assert.ok(suggestion);
      const merged = await directory.merge(
        a.customerId,
        b.customerId,
        { id: 'alice', role: 'agent' },
        suggestion.id,
        now(),
      );
      assert.deepEqual(new Set(await directory.interactionIds(a.customerId, 50)), new Set([a.cid, b.cid]));
      assert.equal((await directory.suggestions(a.customerId)).length, 0, 'the suggestion was accepted');
      await assert.rejects(
        directory.merge(a.customerId, b.customerId, system, undefined, now()),
        (error: Error & { code?: string }) => error.code === 'conflict/state',
      );
      const contactOfB = merged.identifiers.find((i) => i.kind === 'contact' && i.value === 'email:fay');
      assert.ok(contactOfB);
      await assert.rejects(
        directory.split(
          a.customerId,
          { identifierIds: ['ci_nope'], interactionIds: [] },
          undefined,
          system,
          now(),
        ),
        (error: Error & { code?: string }) => error.code === 'validation/field',
      );
      const split = await directory.split(
        a.customerId,
        { identifierIds: [contactOfB.id], interactionIds: [b.cid] },
        'Other Fay',
        system,
        now(),
      );
      assert.deepEqual(await directory.interactionIds(split.customer.id, 50), [b.cid]);
      assert.deepEqual(await directory.interactionIds(a.customerId, 50), [a.cid]);
      const trail = await directory.audit(a.customerId);
      assert.deepEqual(
        trail.map((e) => [e.action, e.actorId]),
        [
          ['split', 'sam'],
          ['merge', 'alice'],
        ],
      );
      assert.deepEqual(trail[0]?.interactions, [b.cid]);
      // The split pair is not suggested again, and a new mail from that sender goes to the split-off customer.
      const later = await arrive(
        contact('email:fay', [
          { kind: 'email', value: 'fay@example.com', verified: false, source: 'email-from' },
        ]),
        'email',
      );
      assert.equal(later.customerId, split.customer.id);
    });

    it('searches names, emails and phone numbers (any form of the number)', async () => {
      const { directory, arrive } = await setup();
      const ada = await arrive(webVisitor('ada2', 'Ada Lovelace', 'ada.l@example.com', '+442079460958'));
      await arrive(webVisitor('alan', 'Alan Turing', 'alan@example.com'));
      const ids = async (query: string) => (await directory.search(query, 10)).map((c) => c.id);
      assert.deepEqual(await ids('love'), [ada.customerId]);
      assert.deepEqual(await ids('ada lov'), [ada.customerId]);
      assert.deepEqual(await ids('ADA.L@'), [ada.customerId]);
      assert.deepEqual(await ids('020 7946 0958'), [ada.customerId]);
      assert.deepEqual(await ids('+44 20 7946'), [ada.customerId]);
      assert.equal((await ids('a')).length, 0);
      assert.equal((await ids('100%')).length, 0);
      assert.equal((await ids('zzz')).length, 0);
    });

    it('every interaction stays in exactly one customer through random contacts, merges and splits', async () => {
      const { storage, directory, arrive } = await setup();
      const people = ['p1', 'p2', 'p3', 'p4'];
      const identity = fc
        .record({
          person: fc.constantFrom(...people),
          token: fc.boolean(),
          phoneVerified: fc.boolean(),
          email: fc.boolean(),
        })
        .map(({ person, token, phoneVerified, email }) =>
          contact(token ? `u_${person}` : `email:${person}`, [
            ...(token ? [claim('web', `u_${person}`, true)] : []),
            claim('phone', `+4477009001${people.indexOf(person)}0`, phoneVerified),
            ...(email ? [claim('email', `${person}@example.com`, token)] : []),
          ]),
        );
      const op = fc.oneof(
        identity.map((value) => ({ kind: 'arrive' as const, value })),
        fc.record({ kind: fc.constant('merge' as const), a: fc.nat(), b: fc.nat() }),
        fc.record({ kind: fc.constant('split' as const), a: fc.nat(), take: fc.nat() }),
      );
      const linked: string[] = [];
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          for (const step of ops) {
            const customers = await storage.sql.query<{ id: string }>(
              'SELECT id FROM customers WHERE merged_into IS NULL ORDER BY created_at, id',
            );
            if (step.kind === 'arrive') {
              linked.push((await arrive(step.value)).cid);
            } else if (step.kind === 'merge' && customers.length > 1) {
              const a = customers[step.a % customers.length]?.id ?? '';
              const b = customers[step.b % customers.length]?.id ?? '';
              if (a !== b) await directory.merge(a, b, system, undefined, now());
            } else if (step.kind === 'split' && customers.length > 0) {
              const from = customers[step.a % customers.length]?.id ?? '';
              const ids = await directory.interactionIds(from, 1_000);
              const taken = ids.slice(0, step.take % (ids.length + 1));
              if (taken.length > 0)
                await directory.split(
                  from,
                  { identifierIds: [], interactionIds: taken },
                  undefined,
                  system,
                  now(),
                );
            }
          }
          const customers = await storage.sql.query<{ id: string }>(
            'SELECT id FROM customers WHERE merged_into IS NULL',
          );
          const seen = new Map<string, number>();
          for (const { id } of customers)
            for (const cid of await directory.interactionIds(id, 10_000))
              seen.set(cid, (seen.get(cid) ?? 0) + 1);
          for (const cid of linked)
            assert.equal(seen.get(cid), 1, `${cid} is in exactly one customer's history`);
          assert.equal(seen.size, linked.length);
          // Every customer reached through a merged one is a current one.
          for (const cid of linked) {
            const owner = await directory.customerOfInteraction(cid);
            assert.equal((await directory.get(owner ?? ''))?.id, owner);
          }
        }),
        { numRuns: 15 },
      );
    });
  });
}

describe('identifiers', () => {
  it('are normalised: emails lower-cased, numbers to E.164, junk refused', () => {
    assert.equal(normaliseIdentifier('email', ' Ann@Example.COM '), 'ann@example.com');
    assert.equal(normaliseIdentifier('email', 'not an address'), undefined);
    assert.equal(normaliseIdentifier('phone', '+44 20 7946 0958'), '+442079460958');
    assert.equal(normaliseIdentifier('phone', '020 7946 0958', 'GB'), '+442079460958');
    assert.equal(normaliseIdentifier('phone', '020 7946 0958'), undefined, 'no country, no guess');
    assert.equal(normaliseIdentifier('whatsapp', '442079460958'), '+442079460958');
    assert.equal(normaliseIdentifier('phone', '12'), undefined);
  });
});

suite('PGlite', async () => {
  const storage = await openStorage({ kind: 'pglite', dataDir: await freshPgliteDir() });
  closing.push(() => storage.close());
  return storage;
});

const available = await testPostgresUrl();
if ('url' in available) {
  suite('PostgreSQL', async () => freshPostgresStorage(available.url, closing));
} else {
  it('customer directory on PostgreSQL', { skip: available.skip }, () => {});
}
