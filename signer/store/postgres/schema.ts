/**
 * The PostgreSQL schema: the same tables and columns as the SQLite store after its migration 5 (every
 * `Stored<…>` table carries `mac`; spending carries `cum`; one `spending_heads` row per user), the same
 * CHECK constraints, amounts as NUMERIC(39,0) (bigint in JS; room for i128 token amounts and for
 * cumulative totals that could pass 2^63), milliseconds as BIGINT. Forward-only: a migration is never
 * edited once shipped; a change is a new entry at the end.
 *
 * Threat this stops: an application bug (or a hand-run UPDATE from inside the app's role) that rewrites
 * history. The audit table refuses UPDATE, DELETE and TRUNCATE by trigger, and `audit_head` is one row
 * that every append locks (SELECT … FOR UPDATE), so all replicas extend one linear chain. A database
 * superuser can still drop the triggers: the hash chain and the head the edge keeps catch that.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: everything, at the state of SQLite's migration 5.
  `
  CREATE TABLE accounts (
    id          text PRIMARY KEY,
    user_id     text NOT NULL,
    public_key  text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('user', 'agent')),
    name        text,
    ciphertext  text NOT NULL,
    key_version text NOT NULL,
    created_at  text NOT NULL,
    mac         text NOT NULL,
    -- Per user, not global: a global constraint would tell user B that someone else holds the key.
    UNIQUE (user_id, public_key)
  );
  CREATE INDEX accounts_by_user ON accounts (user_id, created_at);
  CREATE INDEX accounts_by_key_version ON accounts (key_version);

  CREATE TABLE requests (
    request_id  text PRIMARY KEY,
    fingerprint text NOT NULL,
    status      integer NOT NULL,
    -- NULL when the response carried a secret (accounts.export): secrets are never stored in clear.
    response    text,
    created_ms  bigint NOT NULL,
    mac         text NOT NULL
  );
  CREATE INDEX requests_by_age ON requests (created_ms);

  CREATE TABLE audit (
    seq         bigint PRIMARY KEY CHECK (seq > 0),
    at          text NOT NULL,
    request_id  text NOT NULL,
    method      text NOT NULL,
    user_id     text NOT NULL,
    account_id  text,
    tx_hash     text,
    decision    text NOT NULL CHECK (decision IN ('allow', 'deny')),
    reason_code text,
    reason      text,
    prev_hash   text NOT NULL,
    hash        text NOT NULL
  );
  CREATE INDEX audit_by_user ON audit (user_id, seq);
  CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit is append-only'; END $$;
  CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_refuse();
  CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse();
  -- The chain's one head: seq 0 and no hash while the chain is empty. Never deleted.
  CREATE TABLE audit_head (
    id   smallint PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL CHECK (seq >= 0),
    hash text,
    CHECK ((seq = 0) = (hash IS NULL))
  );
  INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, NULL);
  CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION audit_refuse();
  CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT
    EXECUTE FUNCTION audit_refuse();

  -- One line per signed transaction that spends: the ledger of record, written in the same transaction as
  -- the decision and the audit entry. \`ord\` is insertion order (SQLite's rowid), never part of a row.
  CREATE TABLE spending (
    ord         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    request_id  text PRIMARY KEY,
    user_id     text NOT NULL,
    account_id  text NOT NULL,
    day         text NOT NULL,
    asset       text NOT NULL,
    stroops     numeric(39, 0) NOT NULL CHECK (stroops >= 0),
    tx_hash     text NOT NULL,
    approval_id text,
    at          text NOT NULL,
    counts      boolean NOT NULL DEFAULT true,
    cum         numeric(39, 0) NOT NULL CHECK (cum >= 0),
    mac         text NOT NULL
  );
  -- The same hash executes at most once on the network: signing it again does not spend twice.
  CREATE UNIQUE INDEX spending_by_hash ON spending (user_id, tx_hash, asset);
  CREATE INDEX spending_by_user_at ON spending (user_id, at);
  -- The window's boundary line: newest (user, asset) line at or before an instant.
  CREATE INDEX spending_by_user_asset_at ON spending (user_id, asset, at, ord);
  -- The line inserted right after the boundary (insertion order per user and key).
  CREATE INDEX spending_by_user_asset_ord ON spending (user_id, asset, ord);
  CREATE TABLE spending_days (
    user_id text NOT NULL,
    day     text NOT NULL,
    asset   text NOT NULL,
    stroops numeric(39, 0) NOT NULL CHECK (stroops >= 0),
    PRIMARY KEY (user_id, day, asset)
  );
  CREATE TABLE spending_heads (
    user_id text PRIMARY KEY,
    -- JSON object { [ledgerKey]: decimal string of stroops }, kept as the exact text that was MAC'd.
    totals  text NOT NULL,
    lines   bigint NOT NULL CHECK (lines >= 0),
    mac     text NOT NULL
  );

  CREATE TABLE approvals (
    id           text PRIMARY KEY,
    user_id      text NOT NULL,
    account_id   text NOT NULL,
    tx_hash      text NOT NULL,
    xdr          text NOT NULL,
    amounts      text NOT NULL,
    reason       text NOT NULL,
    preview      text,
    status       text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'used')),
    counts_daily smallint NOT NULL DEFAULT 1 CHECK (counts_daily IN (0, 1)),
    created_ms   bigint NOT NULL,
    expires_ms   bigint NOT NULL,
    decided_ms   bigint,
    used_ms      bigint,
    mac          text NOT NULL
  );
  CREATE INDEX approvals_by_user ON approvals (user_id, created_ms);
  CREATE INDEX approvals_by_hash ON approvals (user_id, account_id, tx_hash);

  CREATE TABLE user_policies (
    user_id    text PRIMARY KEY,
    policy     text NOT NULL,
    updated_at text NOT NULL,
    mac        text NOT NULL
  );

  CREATE TABLE user_credentials (
    id           text PRIMARY KEY,
    user_id      text NOT NULL,
    public_key   text NOT NULL,
    counter      bigint NOT NULL CHECK (counter >= 0),
    uv           smallint NOT NULL CHECK (uv IN (0, 1)),
    transports   text NOT NULL,
    created_at   text NOT NULL,
    last_used_at text,
    mac          text NOT NULL
  );
  CREATE INDEX user_credentials_by_user ON user_credentials (user_id, created_at);
  CREATE TABLE user_challenges (
    challenge  text PRIMARY KEY,
    user_id    text NOT NULL,
    method     text NOT NULL,
    digest     text NOT NULL,
    expires_ms bigint NOT NULL,
    used_ms    bigint,
    mac        text NOT NULL
  );
  CREATE INDEX user_challenges_by_age ON user_challenges (expires_ms);
  CREATE TABLE user_recovery_codes (
    user_id   text NOT NULL,
    code_hash text NOT NULL,
    used_ms   bigint,
    mac       text NOT NULL,
    PRIMARY KEY (user_id, code_hash)
  );
  CREATE TABLE user_recovery_grants (
    user_id    text PRIMARY KEY,
    expires_ms bigint NOT NULL,
    mac        text NOT NULL
  );
  `,
]
