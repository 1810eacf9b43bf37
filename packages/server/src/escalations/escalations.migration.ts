// Migration 27: escalations to team leaders (docs/cases.md, "Escalation"). The machine snapshot is kept whole
// (`snapshot`), with who, what, the outcome and the times as columns beside it for the inboxes and the reports; the
// private agent ↔ team-leader thread and the audit trail (every accepted change) are rows of their own.

/** The SQL of migration 27. */
export const ESCALATIONS_MIGRATION_SQL = `
CREATE TABLE escalations (
  id          text PRIMARY KEY,
  target_kind text NOT NULL,
  target_id   text NOT NULL,
  queue_id    text NOT NULL,
  agent_id    text NOT NULL,
  leader_id   text,
  reason      text NOT NULL,
  state       text NOT NULL,
  note        text,
  offers      integer NOT NULL,
  snapshot    jsonb NOT NULL,
  created_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  boarded_at  bigint,
  accepted_at bigint,
  ended_at    bigint
);
CREATE INDEX escalations_open ON escalations (state) WHERE state IN ('waiting', 'offered', 'accepted');
CREATE INDEX escalations_ended ON escalations (ended_at);
CREATE INDEX escalations_created ON escalations (created_at);
CREATE TABLE escalation_messages (
  id            text PRIMARY KEY,
  escalation_id text NOT NULL REFERENCES escalations (id),
  author_id     text NOT NULL,
  body          text NOT NULL,
  at            bigint NOT NULL
);
CREATE INDEX escalation_messages_escalation ON escalation_messages (escalation_id, at);
CREATE TABLE escalation_events (
  id            bigserial PRIMARY KEY,
  escalation_id text NOT NULL REFERENCES escalations (id),
  type          text NOT NULL,
  actor_id      text NOT NULL,
  at            bigint NOT NULL
);
CREATE INDEX escalation_events_escalation ON escalation_events (escalation_id, id);
`;
