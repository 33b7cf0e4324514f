import type { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.js';
import type { Database } from '../platform/db.js';
import type { Ctx } from '../platform/context.js';
import type { OutboxHandler } from '../platform/outbox.js';

/** What buildApp hands every module. */
export interface AppDeps {
  db: Database;
  config: Config;
  /** The clock; tests pass a fixed one. */
  now: () => Date;
}

/** Helpers the CLI hands a module's commands. */
export interface CliHelpers {
  /** Open the configured database (migrated), run fn, close it. Locks an embedded data folder. */
  withDb<T>(fn: (db: Database, config: Config) => Promise<T>): Promise<T>;
  /** Context for a command run from the CLI by the machine's operator. */
  ctx(): Ctx;
  /** Print a result as JSON on stdout. */
  out(value: unknown): void;
}

/**
 * A module's manifest: in one place, what it adds to the platform (Decidim's component.rb).
 * Listed in src/modules/registry.ts; buildApp and the CLI read nothing else.
 */
export interface ModuleManifest {
  name: string;
  /** Hooks that apply to every route (identity's authentication). Registered before all routes. */
  hooks?: (app: FastifyInstance, deps: AppDeps) => Promise<void>;
  /** The module's HTTP routes. Each route must set `config.policy` (see app.ts). */
  routes?: (app: FastifyInstance, deps: AppDeps) => Promise<void>;
  /** Work at server start after migrations (e.g. build an in-memory index). */
  onReady?: (deps: AppDeps) => Promise<void>;
  /**
   * Background work of a running server (sealing the audit chain, the SLA scheduler). Started by
   * server.ts only, never by buildApp, so tests drive it explicitly. Returns a stop function.
   */
  background?: (deps: AppDeps, log: (msg: string, err?: unknown) => void) => () => Promise<void>;
  /**
   * Deliverers of outbox messages, by topic ('case.accepted') or prefix pattern ('case.*').
   * The server's relay runs them after commit, at least once: they must be idempotent.
   */
  outboxHandlers?: (deps: AppDeps) => Record<string, OutboxHandler[]>;
  /** Commands added to the `gongzhi` binary. */
  cli?: (program: Command, helpers: CliHelpers) => void;
  /** Demo data: run in registry order by `gongzhi seed demo`. */
  seedDemo?: (db: Database, ctx: Ctx, log: (msg: string) => void) => Promise<void>;
  /** Audit verbs this module writes (documentation and the audit viewer's filter). */
  auditVerbs?: readonly string[];
}
