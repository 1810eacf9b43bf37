/**
 * Migration 20 (docs/reports.md): the milestones reports read, as generated columns of `interactions`, so a monthly
 * report over a million rows reads narrow columns instead of parsing every record's JSON. PostgreSQL computes them
 * from the stored record on every write; the writers do not change. Numbers go through `numeric` so a fractional
 * millisecond never fails a write.
 */
export const REPORTS_MIGRATION_SQL = `
ALTER TABLE interactions
  ADD COLUMN queued_at bigint GENERATED ALWAYS AS (((interaction -> 'timestamps' ->> 'queuedAt')::numeric)::bigint) STORED,
  ADD COLUMN answered_at bigint GENERATED ALWAYS AS (((interaction -> 'timestamps' ->> 'answeredAt')::numeric)::bigint) STORED,
  ADD COLUMN ended_at bigint GENERATED ALWAYS AS (((interaction -> 'timestamps' ->> 'endedAt')::numeric)::bigint) STORED,
  ADD COLUMN wrapped_at bigint GENERATED ALWAYS AS (((interaction -> 'timestamps' ->> 'wrapUpEndedAt')::numeric)::bigint) STORED,
  ADD COLUMN topic text GENERATED ALWAYS AS (interaction ->> 'topic') STORED,
  ADD COLUMN disposition text GENERATED ALWAYS AS (interaction ->> 'disposition') STORED,
  ADD COLUMN end_reason text GENERATED ALWAYS AS (interaction ->> 'endReason') STORED,
  -- A call an agent dialled: a voice call that never waited in line yet had an agent (as reportingEventsOf says).
  ADD COLUMN outbound boolean GENERATED ALWAYS AS (
    channel = 'voice' AND interaction -> 'timestamps' -> 'queuedAt' IS NULL
    AND coalesce(interaction -> 'participants' @> '[{"role": "agent"}]', false)
  ) STORED;
`;

/**
 * Migration 28 (docs/reports.md): the last period each scheduled report was sent for. Instances claim a period by
 * moving `period_from` forward in one statement, so one mail goes out per schedule and period across instances and
 * restarts; `state` says whether that mail is being sent, was sent, or failed (then it is tried again later).
 */
export const REPORT_SCHEDULES_MIGRATION_SQL = `
CREATE TABLE report_schedule_runs (
  schedule_id text PRIMARY KEY,
  period_from bigint NOT NULL,
  state       text NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
  claimed_at  bigint NOT NULL,
  sent_at     bigint,
  attempts    integer NOT NULL DEFAULT 1,
  error       text
);
`;
