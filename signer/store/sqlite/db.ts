/**
 * The signer's SQLite database: WAL, foreign keys, busy timeout (the rotation CLI writes concurrently),
 * and forward-only migrations tracked in PRAGMA user_version. Migrations are never edited once shipped:
 * a database at version N runs exactly N+1.. on open.
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
  // 2: spending ledger, approvals, per-user policies (issue 6).
  `
  -- One row per signed transaction that spends: the ledger of record. Written in the same SQLite
  -- transaction as the decision and the audit entry, so the two cannot disagree after a crash.
  CREATE TABLE spending (
    request_id  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    day         TEXT NOT NULL,
    asset       TEXT NOT NULL,
    stroops     INTEGER NOT NULL CHECK (stroops >= 0),
    tx_hash     TEXT NOT NULL,
    approval_id TEXT,
    at          TEXT NOT NULL
  ) STRICT;
  -- The same hash executes at most once on the network: signing it again does not spend twice.
  CREATE UNIQUE INDEX spending_by_hash ON spending (user_id, tx_hash, asset);
  -- Running totals per user, UTC day and asset: what the cap is checked against.
  CREATE TABLE spending_days (
    user_id TEXT NOT NULL,
    day     TEXT NOT NULL,
    asset   TEXT NOT NULL,
    stroops INTEGER NOT NULL CHECK (stroops >= 0),
    PRIMARY KEY (user_id, day, asset)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE approvals (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    account_id    TEXT NOT NULL,
    tx_hash       TEXT NOT NULL,
    xdr           TEXT NOT NULL,
    amounts       TEXT NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
    counts_daily  INTEGER NOT NULL DEFAULT 1 CHECK (counts_daily IN (0, 1)),
    created_ms    INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL,
    decided_ms    INTEGER,
    used_ms       INTEGER
  ) STRICT;
  CREATE INDEX approvals_by_user ON approvals (user_id, created_ms);
  CREATE INDEX approvals_by_hash ON approvals (user_id, account_id, tx_hash);

  CREATE TABLE user_policies (
    user_id    TEXT PRIMARY KEY,
    policy     TEXT NOT NULL,
    updated_at TEXT NOT NULL
  ) STRICT;
  `,
  // 3: rolling 24-hour caps, fees in the ledger, the decoded preview stored with each approval (issue 12).
  `
  -- Whether a line counts against the caps (an approval may exempt a payment; fees always count).
  ALTER TABLE spending ADD COLUMN counts INTEGER NOT NULL DEFAULT 1 CHECK (counts IN (0, 1));
  -- The caps are checked over the 24 hours before now, not per UTC day: \`at\` is ISO-8601 UTC with
  -- milliseconds, so it sorts as it reads.
  CREATE INDEX spending_by_user_at ON spending (user_id, at);
  -- JSON SignerPreview built from the XDR when the approval was opened; NULL only for older rows.
  ALTER TABLE approvals ADD COLUMN preview TEXT;
  -- Why a request was refused, in words (the message the caller got); NULL for successes and older rows.
  ALTER TABLE audit ADD COLUMN reason TEXT;
  `,
  // 4: what the user proves to the signer itself (issue 13): passkeys, challenges, recovery codes.
  `
  -- The user's passkeys as the signer verifies them. A credential id belongs to one user, ever.
  CREATE TABLE user_credentials (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    counter      INTEGER NOT NULL CHECK (counter >= 0),
    uv           INTEGER NOT NULL CHECK (uv IN (0, 1)),
    transports   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
  ) STRICT;
  CREATE INDEX user_credentials_by_user ON user_credentials (user_id, created_at);
  -- Challenges the signer issued, each committing to one operation; used ones stay until pruned so a
  -- replay is named as one.
  CREATE TABLE user_challenges (
    challenge  TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    method     TEXT NOT NULL,
    digest     TEXT NOT NULL,
    expires_ms INTEGER NOT NULL,
    used_ms    INTEGER
  ) STRICT;
  CREATE INDEX user_challenges_by_age ON user_challenges (expires_ms);
  -- HMACs of recovery codes (key derived from SERVER_SALT_SECRET): a copy of this file yields no code.
  CREATE TABLE user_recovery_codes (
    user_id   TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    used_ms   INTEGER,
    PRIMARY KEY (user_id, code_hash)
  ) STRICT, WITHOUT ROWID;
  -- A redeemed recovery code allows one passkey to be added without an assertion, for a short while.
  CREATE TABLE user_recovery_grants (
    user_id    TEXT PRIMARY KEY,
    expires_ms INTEGER NOT NULL
  ) STRICT;
  `,
  // 5: the signer trusts its database no more than the edge (issue 16): a MAC per row a decision reads,
  // the ledger's cumulative totals and a per-user head (signer/store/sealed.ts, ledger.ts). Rows from
  // before it get NULL here and are adopted (MAC'd) in this migration's own transaction (see openDb).
  `
  ALTER TABLE accounts ADD COLUMN mac TEXT;
  ALTER TABLE requests ADD COLUMN mac TEXT;
  ALTER TABLE spending ADD COLUMN mac TEXT;
  -- The user's counted total of this line's ledger key up to and including it.
  ALTER TABLE spending ADD COLUMN cum INTEGER;
  ALTER TABLE approvals ADD COLUMN mac TEXT;
  ALTER TABLE user_policies ADD COLUMN mac TEXT;
  ALTER TABLE user_credentials ADD COLUMN mac TEXT;
  ALTER TABLE user_challenges ADD COLUMN mac TEXT;
  ALTER TABLE user_recovery_codes ADD COLUMN mac TEXT;
  ALTER TABLE user_recovery_grants ADD COLUMN mac TEXT;
  -- Per user: the counted total of every ledger key ever (JSON of decimal strings) and the line count.
  CREATE TABLE spending_heads (
    user_id TEXT PRIMARY KEY,
    totals  TEXT NOT NULL,
    lines   INTEGER NOT NULL CHECK (lines >= 0),
    mac     TEXT
  ) STRICT;
  -- The window's boundary line (lastLineAtOrBefore): one backward index step, however long the ledger;
  -- and the line inserted right after it (rowid order per user and key), to check the two orders agree.
  CREATE INDEX spending_by_user_asset_at ON spending (user_id, asset, at);
  CREATE INDEX spending_by_user_asset ON spending (user_id, asset);
  `,
]

/** The migration that adds row MACs: legacy rows are adopted right after it, in its transaction. */
const ROW_MAC_MIGRATION = 5

export function dbPath(dataDir: string): string {
  return join(dataDir, 'signer.sqlite')
}

/**
 * Opens (creating it if needed) and migrates the database. `adoptLegacy` runs inside migration 5's own
 * transaction when that migration runs (signer/store/sqlite/adopt.ts): the rows it finds are MAC'd once,
 * and a database the sealed store has written can never be "adopted" again (a NULL MAC later is tampering).
 */
export function openDb(dataDir: string, adoptLegacy: (db: Db) => void): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const db = new Database(dbPath(dataDir))
  try {
    db.pragma('journal_mode = WAL')
    // NORMAL under WAL: a power cut can lose the last commits, never corrupt; the edge retries by requestId.
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db, adoptLegacy)
  } catch (e) {
    db.close()
    throw e
  }
  return db
}

function migrate(db: Db, adoptLegacy: (db: Db) => void): void {
  const current = Number(db.pragma('user_version', { simple: true }))
  for (let v = current; v < MIGRATIONS.length; v++) {
    const sql = MIGRATIONS[v]
    if (sql === undefined) break
    db.transaction(() => {
      db.exec(sql)
      if (v + 1 === ROW_MAC_MIGRATION) adoptLegacy(db)
      db.pragma(`user_version = ${v + 1}`)
    }).immediate()
  }
}
