/** Migration 22: call recordings (docs/voice.md#recording); their bytes live in the attachments' storage port. */
export const RECORDINGS_MIGRATION_SQL = `
CREATE TABLE IF NOT EXISTS recordings (
  id          text PRIMARY KEY,
  cid         text NOT NULL,
  call_id     text NOT NULL,
  -- One recording per segment: a browser recorder started again after a reload, or a Vonage recording after a pause.
  segment     text NOT NULL,
  customer_id text NOT NULL,
  agent_ids   text NOT NULL,
  source      text NOT NULL,
  mime_type   text NOT NULL,
  started_at  bigint NOT NULL,
  updated_at  bigint NOT NULL,
  bytes       bigint NOT NULL DEFAULT 0,
  -- The next chunk index the server expects (a browser resumes its upload from here).
  chunks      integer NOT NULL DEFAULT 0,
  delete_at   bigint,
  UNIQUE (call_id, segment)
);
CREATE INDEX IF NOT EXISTS recordings_cid ON recordings (cid);
CREATE INDEX IF NOT EXISTS recordings_customer ON recordings (customer_id);
CREATE INDEX IF NOT EXISTS recordings_delete_at ON recordings (delete_at) WHERE delete_at IS NOT NULL;
-- Every start, pause and resume, and every deletion by retention.
CREATE TABLE IF NOT EXISTS recording_audit (
  id        bigserial PRIMARY KEY,
  call_id   text NOT NULL,
  cid       text NOT NULL,
  action    text NOT NULL,
  actor     text NOT NULL,
  at        bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS recording_audit_call ON recording_audit (call_id);
`;
