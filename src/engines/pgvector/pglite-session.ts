import type { PGlite } from '@electric-sql/pglite';
import { cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError } from '../../errors.js';
import { loadDrivers } from '../drivers.js';
import { storeFailure } from '../store-errors.js';
import { describePostgresError, describePostgresWriteError } from './postgres-errors.js';
import { SESSION_SETUP, WRITER_SETUP, type SqlSession } from './sql-session.js';

/** A session over a PGlite instance someone else owns (tests, the demo): closing it leaves the database open. */
export async function pgliteSession(db: PGlite): Promise<SqlSession> {
  for (const statement of SESSION_SETUP) await db.query(statement);
  return {
    async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
      const result = await db.query<Row>(sql, params as unknown[]);
      return result.rows;
    },
    async close() {
      // Back to the owner's session as it was: they keep using the instance after the check.
      await db.exec('RESET default_transaction_read_only; RESET statement_timeout').catch(() => undefined);
    },
  };
}

/**
 * Open a PGlite data directory itself, for `rebuild --apply` (the only command that writes). PGlite
 * is single-process: the application must not have the directory open at the same time.
 */
export async function openPgliteDirectoryForWrite(path: string, target: string): Promise<SqlSession> {
  const directory = resolve(path);
  const [{ PGlite }, { vector }] = await loadDrivers('@electric-sql/pglite', '@electric-sql/pglite-pgvector', target);
  if (!existsSync(directory) || !statSync(directory).isDirectory() || !existsSync(join(directory, 'PG_VERSION'))) {
    throw new InputError('not a PGlite / Postgres data directory (no PG_VERSION file)', { where: target, hint: 'point at the directory passed to new PGlite(dataDir)' });
  }
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir: directory, extensions: { vector } });
    for (const statement of WRITER_SETUP) await db.query(statement);
    const opened = db;
    return {
      async query<Row extends object>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
        return (await opened.query<Row>(sql, params as unknown[])).rows;
      },
      async close() {
        await opened.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    throw storeFailure(target, 'open the PGlite data directory', error, describePostgresWriteError);
  }
}

/**
 * Open a PGlite data directory without changing it. PGlite rewrites hint bits, pg_control and
 * WAL even for a read-only session (measured: 13 files change on open + close), so the check
 * opens a throwaway copy and deletes it afterwards.
 */
export async function openPgliteDirectory(path: string, target: string): Promise<SqlSession> {
  const source = resolve(path);
  const [{ PGlite }, { vector }] = await loadDrivers('@electric-sql/pglite', '@electric-sql/pglite-pgvector', target);
  if (!existsSync(source) || !statSync(source).isDirectory()) {
    throw new InputError('no such directory', { where: target, hint: 'give the PGlite data directory: pglite://PATH?table=T&column=C' });
  }
  if (!existsSync(join(source, 'PG_VERSION'))) {
    throw new InputError('not a PGlite / Postgres data directory (no PG_VERSION file)', {
      where: target,
      hint: 'point at the directory passed to new PGlite(dataDir)',
    });
  }
  const copy = mkdtempSync(join(tmpdir(), 'vectorclinic-pglite-'));
  const discard = (): void => rmSync(copy, { recursive: true, force: true });
  let db: PGlite | undefined;
  try {
    cpSync(source, copy, { recursive: true });
    db = await PGlite.create({ dataDir: copy, extensions: { vector } });
    const session = await pgliteSession(db);
    const opened = db;
    return {
      query: session.query,
      async close() {
        await opened.close().catch(() => undefined);
        discard();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    discard();
    throw storeFailure(target, 'open the PGlite data directory', error, describePostgresError);
  }
}
