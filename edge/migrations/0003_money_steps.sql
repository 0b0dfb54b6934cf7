-- The state of each money step of a chat thread (a tool call that moves money), so a reopened thread says what
-- happened to the money: pending approval, approved, rejected, expired, or submitted (with hash and ledger).
-- Scoped by user_id like threads; a step moves forward only (edge/agent/money-steps.ts), never back.
CREATE TABLE money_steps (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  thread_id TEXT NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
  call_id TEXT NOT NULL,
  approval_id TEXT,
  status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'expired', 'submitted', 'failed')),
  tx_hash TEXT,
  ledger INTEGER,
  fee TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (thread_id, call_id)
);
CREATE INDEX money_steps_thread ON money_steps(user_id, thread_id);
CREATE INDEX money_steps_approval ON money_steps(user_id, approval_id);
