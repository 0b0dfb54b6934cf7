/**
 * The signer's SQLite database: WAL, foreign keys, busy timeout (the rotation CLI writes concurrently),
 * and forward-only migrations tracked in PRAGMA user_version.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'

export type Db = Database.Database

const MIGRATIONS: readonly string[] = [
  // 1: accounts, idempotency records, audit chain.
  `
  CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('user', 'agent')),
    name        TEXT,
    ciphertext  TEXT NOT NULL,
    key_version TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    -- Per user, not global: a global constraint would tell user B that someone else holds the key.
    UNIQUE (user_id, public_key)
  ) STRICT;
  CREATE INDEX accounts_by_user ON accounts (user_id, created_at);
  CREATE INDEX accounts_by_key_version ON accounts (key_version);

  CREATE TABLE requests (
    request_id  TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status      INTEGER NOT NULL,
    -- NULL when the response carried a secret (accounts.export): secrets are never stored in clear.
    response    TEXT,
    created_ms  INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX requests_by_age ON requests (created_ms);

  CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    method      TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    account_id  TEXT,
    tx_hash     TEXT,
    decision    TEXT NOT NULL CHECK (decision IN ('allow', 'deny')),
    reason_code TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
  ) STRICT;
  CREATE INDEX audit_by_user ON audit (user_id, seq);
  -- Append-only from inside the application; the hash chain catches edits made around these triggers.
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;
  `,
]

export function dbPath(dataDir: string): string {
  return join(dataDir, 'signer.sqlite')
}

export function openDb(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const db = new Database(dbPath(dataDir))
  db.pragma('journal_mode = WAL')
  // NORMAL under WAL: a power cut can lose the last commits, never corrupt; the edge retries by requestId.
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('busy_timeout = 5000')
  migrate(db)
  return db
}

function migrate(db: Db): void {
  const current = Number(db.pragma('user_version', { simple: true }))
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v]
    if (sql === undefined) break
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
}
