/**
 * `gongzhi users create` and `gongzhi apikey create|list|revoke`: thin wrappers over the identity
 * commands, run as the system actor by whoever operates the machine. The functions are exported
 * so tests drive them without spawning a process.
 */
import type { Command } from 'commander';
import { ROLES, type Role } from '../../platform/actor.js';
import type { Ctx } from '../../platform/context.js';
import type { Database } from '../../platform/db.js';
import { AppError, invalid } from '../../platform/errors.js';
import type { CliHelpers } from '../types.js';
import { resolveSecret } from './idcard.js';
import * as repo from './identity.repository.js';
import { createApiKey, createUser, revokeApiKey, type GrantInput } from './identity.service.js';

export interface CliGrantOptions {
  role?: string | undefined;
  scope?: string | undefined;
  department?: string | undefined;
}

/** --role/--scope/--department as a grant; --scope defaults to the one city of the installation. */
export async function grantFromOptions(db: Database, o: CliGrantOptions): Promise<GrantInput[]> {
  if (o.role === undefined) {
    if (o.scope !== undefined || o.department !== undefined) throw invalid('--role', 'is needed with --scope or --department');
    return [];
  }
  if (!(ROLES as readonly string[]).includes(o.role)) throw invalid('--role', `must be one of ${ROLES.join(', ')}`);
  let scope = o.scope;
  if (scope === undefined) {
    const roots = await repo.rootRegions(db);
    if (roots.length !== 1) throw invalid('--scope', `is needed: give the region code the role applies to (${roots.length} top-level regions loaded)`);
    scope = roots[0]!.code;
  }
  if (!/^[0-9]{6}([0-9]{3})*([0-9]{2})?$/.test(scope)) throw invalid('--scope', 'must be a region code (NBS, 6 to 17 digits)');
  // NBS codes of 6 or 9 digits are written zero-padded to 12 in the region table.
  const code = scope.length < 12 ? scope.padEnd(12, '0') : scope;
  return [{ role: o.role as Role, regionCode: code, departmentCode: o.department }];
}

export async function cliCreateUser(
  db: Database,
  ctx: Ctx,
  secret: () => string,
  o: { name: string; phone: string; password: string; idCard?: string | undefined } & CliGrantOptions,
): Promise<{ id: number; name: string; phone: string; grants: Array<{ role: string; regionCode: string; departmentCode: string | null }> }> {
  const grants = await grantFromOptions(db, o);
  const id = await createUser(db, ctx, secret, { name: o.name, phone: o.phone, password: o.password, idCard: o.idCard, grants });
  const rows = await repo.grantsOfUsers(db, [id]);
  return { id, name: o.name, phone: o.phone, grants: rows.map((g) => ({ role: g.role, regionCode: g.regionCode, departmentCode: g.departmentCode })) };
}

export async function cliCreateApiKey(db: Database, ctx: Ctx, o: { name: string } & CliGrantOptions): Promise<{ id: number; key: string; prefix: string; grants: GrantInput[] }> {
  const grants = await grantFromOptions(db, o);
  const r = await createApiKey(db, ctx, { name: o.name, grants });
  return { ...r, grants };
}

export function registerIdentityCommands(program: Command, h: CliHelpers): void {
  const err = (m: string) => process.stderr.write(`${m}\n`);

  const users = program.command('users').description('people who log in, and their roles');
  users
    .command('create')
    .description('create a user, optionally with one role over a region (more with the admin API)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--phone <phone>', 'mainland mobile number (the login)')
    .requiredOption('--password <password>', 'at least 8 characters, not only digits (it shows in shell history: change it after the first login)')
    .option('--id-card <number>', '18-character resident ID number (stored encrypted)')
    .option('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--scope <code>', 'region code the role applies to (default: the city)')
    .option('--department <code>', 'department code (needed for handler)')
    .action(async (o: { name: string; phone: string; password: string; idCard?: string } & CliGrantOptions) => {
      const r = await h.withDb((db, config) => cliCreateUser(db, h.ctx(), () => resolveSecret(config), o));
      h.out(r);
    });

  const apikey = program.command('apikey').description('API keys for integrations (stored hashed, shown once)');
  apikey
    .command('create')
    .description('create an API key; prints the key alone on stdout, once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "12345 hotline"')
    .option('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--scope <code>', 'region code the role applies to (default: the city)')
    .option('--department <code>', 'department code (needed for handler)')
    .action(async (o: { name: string } & CliGrantOptions) => {
      const r = await h.withDb((db) => cliCreateApiKey(db, h.ctx(), o));
      // Only the key on stdout, so `KEY=$(gongzhi apikey create …)` works; the rest on stderr.
      process.stdout.write(`${r.key}\n`);
      err(`API key ${r.id} (${r.prefix}) created for "${o.name}"${r.grants.length ? ` with ${r.grants.map((g) => `${g.role}@${g.regionCode}`).join(', ')}` : ' without roles'}. It is shown only this once.`);
    });
  apikey
    .command('list')
    .description('list API keys (never the keys themselves)')
    .action(async () => {
      const r = await h.withDb(async (db) => {
        const system = h.ctx().actor;
        const keys = await repo.listApiKeysScoped(db, system);
        const grants = await repo.grantsOfApiKeys(db, keys.map((k) => k.id));
        return keys.map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt, lastUsedAt: k.lastUsedAt, revokedAt: k.revokedAt, grants: grants.filter((g) => g.apiKeyId === k.id).map((g) => `${g.role}@${g.regionCode}`) }));
      });
      h.out(r);
    });
  apikey
    .command('revoke <id>')
    .description('revoke an API key')
    .action(async (id: string) => {
      if (!/^\d+$/.test(id)) throw new AppError('validation_failed', `id: must be a key id (a number), got "${id}"`);
      await h.withDb((db) => revokeApiKey(db, h.ctx(), Number(id)));
      h.out({ revoked: Number(id) });
    });
}
