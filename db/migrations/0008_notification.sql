-- Notifications: in-app messages, the development mailbox that stands in for SMS and e-mail
-- gateways in the embedded default, and webhook subscriptions of integrators.
CREATE TABLE notification (
  id bigserial PRIMARY KEY,
  outbox_id bigint NOT NULL,
  user_id bigint NOT NULL REFERENCES app_user (id),
  template text NOT NULL,
  params jsonb NOT NULL DEFAULT '{}'::jsonb,
  title text NOT NULL,
  body text NOT NULL,
  link text,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at timestamptz,
  -- Delivery is at least once: the same outbox message never makes two notifications.
  UNIQUE (outbox_id, user_id)
);
CREATE INDEX notification_user_idx ON notification (user_id, id DESC);

CREATE TABLE dev_mailbox (
  id bigserial PRIMARY KEY,
  outbox_id bigint NOT NULL,
  channel text NOT NULL CHECK (channel IN ('sms', 'email')),
  recipient text NOT NULL,
  subject text,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (outbox_id, channel, recipient)
);

CREATE TABLE webhook_subscription (
  id bigserial PRIMARY KEY,
  name text NOT NULL,
  url text NOT NULL,
  secret text NOT NULL,
  topics text[] NOT NULL,
  region_id bigint REFERENCES region (id),
  active boolean NOT NULL DEFAULT true,
  created_by bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_delivery_at timestamptz,
  last_status integer,
  last_error text
);
