-- Identity: departments (职能部门), users, API keys, role grants over a region subtree, sessions.
-- A grant's region covers that unit and everything below it (region.path prefix); a handler's
-- grant also names the department it acts for.

CREATE TABLE department (
  id bigserial PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- 城管, 住建, 市场监管, 生态环境, 水务, 交通, 公安, 民政, 卫健, 应急 …
  kind text NOT NULL CHECK (length(kind) BETWEEN 1 AND 40),
  -- The area the department serves: its scope.
  region_id bigint NOT NULL REFERENCES region (id),
  parent_id bigint REFERENCES department (id),
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX department_region_idx ON department (region_id);
CREATE INDEX department_parent_idx ON department (parent_id);

CREATE TABLE app_user (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  phone text NOT NULL UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
  -- AES-256-GCM ciphertext ('v1:' || base64(iv | tag | ciphertext)); the key is derived from the
  -- installation secret, never stored in the database. The masked form is kept for display.
  id_card_enc text,
  id_card_masked text,
  id_card_last4 text CHECK (id_card_last4 ~ '^[0-9]{3}[0-9X]$'),
  password_hash text NOT NULL,
  failed_logins integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until timestamptz,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((id_card_enc IS NULL) = (id_card_masked IS NULL))
);

-- Integrations. The key is shown once; only its sha256 is kept. `prefix` identifies a key in
-- lists and logs without revealing it, and is how a presented key is looked up.
CREATE TABLE api_key (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  prefix text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{8}$'),
  key_hash text NOT NULL,
  created_by bigint REFERENCES app_user (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- One table for the grants of users and of API keys, so loading any actor is one query.
CREATE TABLE role_grant (
  id bigserial PRIMARY KEY,
  user_id bigint REFERENCES app_user (id) ON DELETE CASCADE,
  api_key_id bigint REFERENCES api_key (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('resident', 'grid_worker', 'operator', 'handler', 'mediator', 'supervisor', 'volunteer_admin', 'analyst', 'admin')),
  region_id bigint NOT NULL REFERENCES region (id),
  department_id bigint REFERENCES department (id),
  -- The user who granted it; NULL when the system (CLI, demo seed) did.
  granted_by bigint REFERENCES app_user (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((user_id IS NULL) <> (api_key_id IS NULL)),
  CHECK (role <> 'handler' OR department_id IS NOT NULL)
);
-- COALESCE rather than NULLS NOT DISTINCT: the same file must run on PostgreSQL 15.
CREATE UNIQUE INDEX role_grant_user_uq ON role_grant (user_id, role, region_id, COALESCE(department_id, 0)) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX role_grant_api_key_uq ON role_grant (api_key_id, role, region_id, COALESCE(department_id, 0)) WHERE api_key_id IS NOT NULL;
CREATE INDEX role_grant_region_idx ON role_grant (region_id);
CREATE INDEX role_grant_department_idx ON role_grant (department_id);

-- Browser sessions. `id` is the sha256 of the cookie's random token: a stolen copy of this table
-- does not let anyone log in. Idle expiry is checked against last_seen_at, absolute expiry is
-- expires_at.
CREATE TABLE session (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{64}$'),
  user_id bigint NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ip text,
  user_agent text,
  revoked_at timestamptz
);
CREATE INDEX session_user_idx ON session (user_id) WHERE revoked_at IS NULL;
CREATE INDEX session_expires_idx ON session (expires_at);
