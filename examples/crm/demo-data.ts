import type { Queue } from '@helpline/core';

/** The demo server's queues (its dev configuration), as the console needs them for wrap-up and SLA colours. */
export const demoQueues: Queue[] = [
  {
    id: 'sales',
    name: 'Sales',
    priority: 2,
    slaTargetSeconds: 20,
    skills: [{ skill: 'sales', minLevel: 1 }],
    closedAlternative: 'callback',
    acw: { kind: 'optional' },
    dispositions: [
      { id: 'sold', label: 'Sold', resolved: true },
      { id: 'quote-sent', label: 'Quote sent', resolved: false },
    ],
    dispositionRequired: false,
    offerTimeoutSeconds: 30,
  },
  {
    id: 'support',
    name: 'Support',
    priority: 1,
    slaTargetSeconds: 30,
    skills: [{ skill: 'support', minLevel: 1 }],
    closedAlternative: 'offline-message',
    acw: { kind: 'required' },
    dispositions: [
      { id: 'resolved', label: 'Resolved', resolved: true },
      { id: 'follow-up', label: 'Needs follow-up', resolved: false },
    ],
    dispositionRequired: true,
    offerTimeoutSeconds: 30,
    overflow: { afterSeconds: 120, queueId: 'sales' },
  },
];

/** Canned responses per queue; placeholders are filled by the console. */
export const demoCannedResponses = {
  sales: [
    { id: 'hello', label: 'Greeting', text: 'Hi {customer.name}, I am {agent.name}. How can I help?' },
    { id: 'shipping', label: 'Shipping', text: 'Orders ship within two working days, free above € 50.' },
  ],
  support: [
    { id: 'hello', label: 'Greeting', text: 'Hi {customer.name}, I am {agent.name} from support.' },
    { id: 'order', label: 'Order number', text: 'Could you give me your order number?' },
  ],
};

/** The demo agents a CRM user can sign in as. */
export const demoAgents = [
  { id: 'alice', name: 'Alice', queues: 'sales, support' },
  { id: 'bob', name: 'Bob', queues: 'support' },
  { id: 'carol', name: 'Carol', queues: 'sales' },
] as const;

/** The CRM's own customers (the console's customer card shows the live ones). */
export const demoCustomers = [
  { id: 'c-1001', name: 'Noor de Vries', email: 'noor@example.com', orders: 4, since: '2021' },
  { id: 'c-1002', name: 'Mateo García', email: 'mateo@example.com', orders: 1, since: '2025' },
  { id: 'c-1003', name: 'Hana Sato', email: 'hana@example.com', orders: 12, since: '2019' },
  { id: 'c-1004', name: 'Liam Murphy', email: 'liam@example.com', orders: 2, since: '2024' },
];
