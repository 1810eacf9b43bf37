// Migration 19: cases (tickets, docs/cases.md). A case's machine snapshot is kept whole (`snapshot`), with the
// columns lists and authorization filter on beside it; links and notes are rows of their own, and every accepted
// change is a row of `case_events` (the audit trail, and the history reports count from).

/** The SQL of migration 19. */
export const CASES_MIGRATION_SQL = `
CREATE TABLE cases (
  id          text PRIMARY KEY,
  customer_id text NOT NULL,
  queue_id    text NOT NULL,
  status      text NOT NULL,
  snapshot    jsonb NOT NULL,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL
);
CREATE INDEX cases_customer ON cases (customer_id);
CREATE INDEX cases_queue_status ON cases (queue_id, status);
CREATE TABLE case_links (
  case_id        text NOT NULL REFERENCES cases (id),
  interaction_id text NOT NULL,
  linked_at      bigint NOT NULL,
  PRIMARY KEY (case_id, interaction_id)
);
CREATE INDEX case_links_interaction ON case_links (interaction_id);
CREATE TABLE case_notes (
  id        text PRIMARY KEY,
  case_id   text NOT NULL REFERENCES cases (id),
  author_id text NOT NULL,
  body      text NOT NULL,
  at        bigint NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, at);
CREATE TABLE case_events (
  id       bigserial PRIMARY KEY,
  case_id  text NOT NULL REFERENCES cases (id),
  type     text NOT NULL,
  actor_id text NOT NULL,
  at       bigint NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
`;

/**
 * The SQL of migration 26: the follow-up tasks of cases (a reminder or a callback at a due time). A task is kept
 * whole (`task`), with its case, status and due time beside it for the lists and for the timers a restart re-arms.
 */
export const CASE_TASKS_MIGRATION_SQL = `
CREATE TABLE case_tasks (
  id      text PRIMARY KEY,
  case_id text NOT NULL REFERENCES cases (id),
  status  text NOT NULL,
  due_at  bigint NOT NULL,
  task    jsonb NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks (case_id, due_at);
CREATE INDEX case_tasks_scheduled ON case_tasks (due_at) WHERE status = 'scheduled';
`;
