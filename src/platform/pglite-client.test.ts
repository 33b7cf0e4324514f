import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from './db.js';
import { FairLock } from './pglite-client.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('FairLock', () => {
  it('lets shared holders run together and an exclusive one alone', async () => {
    const lock = new FairLock();
    let inside = 0;
    let most = 0;
    const hold = (exclusive: boolean) =>
      lock.run(exclusive, async () => {
        inside++;
        most = Math.max(most, inside);
        if (exclusive) expect(inside).toBe(1);
        await tick();
        inside--;
      });
    await Promise.all([hold(false), hold(false), hold(false)]);
    expect(most).toBe(3);
    most = 0;
    await Promise.all([hold(true), hold(false), hold(true), hold(false)]);
    expect(most).toBe(1);
  });

  it('serves waiters in arrival order: a waiting exclusive holder is not overtaken by later shared ones', async () => {
    const lock = new FairLock();
    const order: string[] = [];
    const first = lock.run(false, async () => {
      await tick();
      order.push('shared 1');
    });
    const excl = lock.run(true, async () => {
      order.push('exclusive');
    });
    const later = lock.run(false, async () => {
      order.push('shared 2');
    });
    await Promise.all([first, excl, later]);
    expect(order).toEqual(['shared 1', 'exclusive', 'shared 2']);
  });

  it('releases on a throw', async () => {
    const lock = new FairLock();
    await expect(lock.run(true, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await lock.run(true, async () => 'free')).toBe('free');
  });
});

describe('the embedded engine on its own thread', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({});
    await db.exec('CREATE TABLE w (v int PRIMARY KEY)');
  });
  afterAll(async () => db?.close());

  it('a query from outside waits for an open transaction instead of running inside it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inTx = new Promise<void>((r) => (entered = r));
    const tx = db
      .tx(async (t) => {
        await t.query('INSERT INTO w VALUES (100)');
        entered();
        await gate;
        throw new Error('roll back');
      })
      .catch((e: Error) => e.message);
    await inTx;
    const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM w WHERE v = 100');
    await tick();
    release();
    expect(await tx).toBe('roll back');
    // Had it run inside the transaction, it would have seen the row the rollback removed.
    expect((await outside).rows[0]!.n).toBe(0);
  });

  it('a long statement does not stop the calling thread: a timer fires while the engine works', async () => {
    const long = db.query<{ n: number }>('SELECT count(*)::int AS n FROM generate_series(1, 3000000)').then(() => 'statement');
    const timer = new Promise<string>((r) => setTimeout(() => r('timer'), 20));
    expect(await Promise.race([long, timer])).toBe('timer');
    expect(await long).toBe('statement');
  });

  it('statements outside transactions may be many on their way at once, and each gets its own answer', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => db.query<{ v: number }>('SELECT $1::int * 3 AS v', [i])));
    expect(answers.map((a) => a.rows[0]!.v)).toEqual(Array.from({ length: 50 }, (_, i) => i * 3));
  });

  it('a database error crosses the thread with its SQLSTATE and constraint', async () => {
    await db.query('INSERT INTO w VALUES (1)');
    await expect(db.query('INSERT INTO w VALUES (1)')).rejects.toMatchObject({ code: '23505', constraint: 'w_pkey' });
  });

  it('a parameter the engine thread cannot receive is refused, and the next statement runs', async () => {
    await expect(db.query('SELECT $1::text AS v', [() => 1])).rejects.toThrow();
    expect((await db.query<{ v: string }>('SELECT $1::text AS v', ['after'])).rows[0]!.v).toBe('after');
  });

  it('a transaction handle kept past its callback is refused', async () => {
    let kept: { query: (t: string) => Promise<unknown> } | undefined;
    await db.tx(async (t) => {
      kept = t;
    });
    await expect(kept!.query('SELECT 1')).rejects.toThrow(/transaction has ended/);
  });

  it('dumps its data folder, and a database loaded from the dump has the same rows', async () => {
    await db.query('INSERT INTO w VALUES (7)');
    const copy = await openDatabase({ loadDataDir: await db.dumpDataDir!() });
    try {
      const r = await copy.query<{ v: number }>('SELECT v FROM w ORDER BY v');
      expect(r.rows.map((x) => x.v)).toEqual((await db.query<{ v: number }>('SELECT v FROM w ORDER BY v')).rows.map((x) => x.v));
    } finally {
      await copy.close();
    }
  });
});
