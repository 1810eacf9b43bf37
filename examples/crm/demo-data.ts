/** The demo agents a CRM user can sign in as. */
export const demoAgents = [
  { id: 'alice', name: 'Alice', queues: 'sales, support' },
  { id: 'bob', name: 'Bob', queues: 'support' },
  { id: 'carol', name: 'Carol', queues: 'sales' },
  // The team leader: escalations from the others are offered to her (docs/cases.md).
  { id: 'tess', name: 'Tess', queues: 'sales, support · team leader' },
] as const;

/** The CRM's own customers (the console's customer card shows the live ones). */
export const demoCustomers = [
  // Phone numbers from the ranges Ofcom keeps for drama (they reach nobody). Liam's is on the demo's do-not-call list.
  {
    id: 'c-1001',
    name: 'Noor de Vries',
    email: 'noor@example.com',
    phone: '+44 20 7946 0958',
    orders: 4,
    since: '2021',
  },
  {
    id: 'c-1002',
    name: 'Mateo García',
    email: 'mateo@example.com',
    phone: '020 7946 0017',
    orders: 1,
    since: '2025',
  },
  {
    id: 'c-1003',
    name: 'Hana Sato',
    email: 'hana@example.com',
    phone: '+44 20 7946 0321',
    orders: 12,
    since: '2019',
  },
  {
    id: 'c-1004',
    name: 'Liam Murphy',
    email: 'liam@example.com',
    phone: '+44 20 7946 0999',
    orders: 2,
    since: '2024',
  },
];
