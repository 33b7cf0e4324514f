-- The people who staff the grids: 网格长, 专职/兼职网格员, 楼栋长, 十户长, 小巷管家, 红袖标
-- volunteers. A person may hold several roles in several units; `until` ends an assignment
-- without deleting it (what was done under it stays attributable). Phones are stored in full
-- and masked by the presenter for anyone who is not admin/operator over the unit.
CREATE TABLE grid_staff (
  id bigserial PRIMARY KEY,
  region_id bigint NOT NULL REFERENCES region (id),
  user_id bigint,
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  phone text CHECK (phone ~ '^[0-9+-]{5,20}$'),
  role text NOT NULL CHECK (role IN ('grid_leader', 'full_time', 'part_time', 'building_head', 'ten_household_head', 'alley_steward', 'red_armband')),
  since date NOT NULL DEFAULT CURRENT_DATE,
  until date,
  note text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (until IS NULL OR until >= since)
);
CREATE INDEX grid_staff_region_idx ON grid_staff (region_id) WHERE until IS NULL;
CREATE INDEX grid_staff_user_idx ON grid_staff (user_id) WHERE user_id IS NOT NULL;

-- app_user is identity's table (0004). Linked only when it exists, so that this file also runs on
-- a tree where 0004 has not landed yet; on every real install 0004 runs first and the key exists.
DO $$
BEGIN
  IF to_regclass('app_user') IS NOT NULL THEN
    ALTER TABLE grid_staff ADD CONSTRAINT grid_staff_user_fk FOREIGN KEY (user_id) REFERENCES app_user (id);
  END IF;
END
$$;
