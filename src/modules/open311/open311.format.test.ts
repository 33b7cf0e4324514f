import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { toOpen311Error } from './open311.format.js';

describe('toOpen311Error', () => {
  it('a value PostgreSQL refused (22003 out of range) is the client’s 400, described, not a 500', () => {
    const r = toOpen311Error(Object.assign(new Error('value "99999999999" is out of range for type integer'), { code: '22003' }));
    expect(r.status).toBe(400);
    expect(r.errors).toEqual([{ code: 400, description: 'a number is out of range' }]);
  });

  it('the spec’s statuses: 401 becomes 403, other 4xx become 400, 404 and 429 stay', () => {
    expect(toOpen311Error(new AppError('unauthenticated')).status).toBe(403);
    expect(toOpen311Error(new AppError('not_found')).status).toBe(404);
    expect(toOpen311Error(new AppError('conflict')).status).toBe(400);
  });

  it('an unexpected error is a 500 that reveals nothing of it', () => {
    const r = toOpen311Error(new Error('relation "secret_table" does not exist'));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.errors)).not.toContain('secret_table');
  });
});
