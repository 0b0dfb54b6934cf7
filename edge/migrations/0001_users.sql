-- Users of the edge. Keys never live here: the signer holds them, scoped by user id.
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  email TEXT UNIQUE,
  created_at INTEGER NOT NULL
);
