-- The signer audit heads this deployment has seen (edge/attestation/audit-head-store.ts): the last HEAD_WINDOW
-- (seq, hash) pairs per chain. The highest head is MAX(seq) on the primary key, so one conditional insert per
-- answer keeps both. chain: 'shared' (all replicas on one database) or the replica URL (per-replica, dev).
-- A head below the highest minus the window, or a seq seen with another hash, is refused: a rolled-back or
-- forked signer database.
CREATE TABLE signer_audit_heads (
  chain TEXT NOT NULL,
  seq INTEGER NOT NULL CHECK (seq >= 1),
  hash TEXT NOT NULL CHECK (length(hash) = 64),
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (chain, seq)
);

-- A chain on which a fork was seen: every later answer of it is refused (a rolled-back database that keeps
-- being written would otherwise climb past the highest head and pass). Cleared only by an operator.
CREATE TABLE signer_audit_forks (
  chain TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  detected_at INTEGER NOT NULL
);
