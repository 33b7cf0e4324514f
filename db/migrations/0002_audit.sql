-- The tamper-evident audit trail. Writers insert rows unsealed (seq and hash NULL) inside their
-- own transaction, so no writer waits on a global lock; the sealer then assigns each committed
-- row the next chain position and hashes it over the previous hash (see audit/README in
-- docs/ARCHITECTURE.md). Deleting, editing or reordering a sealed row breaks the chain.
CREATE TABLE audit_record (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_type text NOT NULL,
  actor_id bigint,
  actor_name text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text,
  region_id bigint,
  before jsonb,
  after jsonb,
  request_id text,
  ip text,
  seq bigint UNIQUE,
  prev_hash text,
  hash text,
  sealed_at timestamptz
);
CREATE INDEX audit_record_unsealed_idx ON audit_record (id) WHERE seq IS NULL;
CREATE INDEX audit_record_target_idx ON audit_record (target_type, target_id);
CREATE INDEX audit_record_at_idx ON audit_record (at);
