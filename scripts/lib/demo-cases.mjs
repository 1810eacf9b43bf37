// The demo's returning customer: Dana Whitfield wrote before, and her problem is still an OPEN case in the Support
// queue. When she chats again (the shop page's "Returning customer" button signs her in), Alice's console shows the
// case on the offer and offers to attach the new chat to it (docs/cases.md). Seeded through the hub's own commands,
// as a real contact would be, once per data directory.

/** Dana's visitor id: the same person on every visit (the shop page asks the dev token endpoint for it). */
export const RETURNING_VISITOR = { id: 'v_demo_dana', name: 'Dana Whitfield' };

/** The case Dana left open. */
export const RETURNING_CASE = {
  subject: 'Tent pole arrived broken — replacement promised',
  priority: 'high',
  tags: ['damaged-delivery', 'ridge-2'],
  note: 'Replacement pole ordered from the warehouse; promised to confirm the delivery date by email.',
};

/**
 * Seeds the returning customer into a running demo server (`startServer`'s result): Dana's first chat in Support,
 * a case opened from it by the supervisor with an internal note, and the chat ended by Dana — it stays open as a
 * case. Does nothing when Dana already has an open case (a restarted demo keeps its data).
 *
 * @param {import('../../packages/server/dist/index.js').HelplineServer} helpline
 * @param {{ site?: string, supervisorId?: string }} [options]
 * @returns {Promise<{ caseId: string, customerId: string } | undefined>} what was seeded, or undefined
 */
export async function seedReturningCustomer(helpline, { site = 'demo', supervisorId = 'sam' } = {}) {
  const { hub, auth } = helpline;
  const { token } = await auth.devVisitorToken(site, RETURNING_VISITOR.id, RETURNING_VISITOR.name);
  const dana = await auth.authenticate(token);
  const supervisor = { id: supervisorId, role: 'supervisor', name: 'Demo seed' };
  const meta = { site };

  const known = await hub.execute(supervisor, 'customer.search', { query: RETURNING_VISITOR.name }, meta);
  for (const customer of known.customers) {
    const { cases } = await hub.execute(supervisor, 'case.list', { customerId: customer.id }, meta);
    if (cases.some((kase) => kase.status === 'open' || kase.status === 'pending')) return undefined;
  }

  const { cid } = await hub.execute(
    dana,
    'chat.start',
    { channel: 'chat', queueId: 'support', topic: 'support', prechat: { name: RETURNING_VISITOR.name } },
    meta,
  );
  await hub.execute(
    dana,
    'message.send',
    {
      cid,
      clientMsgId: crypto.randomUUID(),
      text: 'My Ridge 2 tent arrived with a broken pole. Can you send a new one?',
    },
    meta,
  );
  const { case: created } = await hub.execute(
    supervisor,
    'case.create',
    { cid, subject: RETURNING_CASE.subject, priority: RETURNING_CASE.priority, tags: RETURNING_CASE.tags },
    meta,
  );
  await hub.execute(supervisor, 'case.note', { caseId: created.id, text: RETURNING_CASE.note }, meta);
  await hub.execute(dana, 'chat.end', { cid }, meta);
  return { caseId: created.id, customerId: created.customerId };
}
