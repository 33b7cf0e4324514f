// `npm run test:pg` runs the medium and route suites on PostgreSQL; say clearly what is missing.
if (!process.env.DATABASE_URL) {
  console.error('test:pg: set DATABASE_URL to a PostgreSQL 15+ database with PostGIS 3 that this user may CREATE DATABASE in, e.g.\n  DATABASE_URL=postgres://gongzhi:gongzhi@127.0.0.1:5432/gongzhi npm run test:pg');
  process.exit(2);
}
