/**
 * A stand-in engine: `RawTx` over plain maps, with the conditional writes and orderings of the contract in
 * signer/store/types.ts. Transactions run one at a time and roll back on a throw (a copy of the state is
 * restored). `state` is exposed so a test can play the database's operator: edit, plant or delete rows
 * behind the sealed layer's back. Not for production: nothing is durable.
 */
import type {
  AccountRow,
  ApprovalRow,
  AuditHead,
  AuditRow,
  ChallengeRow,
  CredentialRow,
  Engine,
  RawTx,
  RecoveryCodeRow,
  RecoveryGrantRow,
  RequestRow,
  SpendingHeadRow,
  SpendingLineRow,
  Stored,
  UserPolicyRow,
} from '../../signer/store/types.ts'

export type MemoryState = {
  accounts: Map<string, Stored<AccountRow>>
  requests: Map<string, Stored<RequestRow>>
  audit: AuditRow[]
  heads: Map<string, Stored<SpendingHeadRow>>
  /** In insertion order (the SQLite engine's rowid). */
  lines: Stored<SpendingLineRow>[]
  days: Map<string, bigint>
  approvals: Map<string, Stored<ApprovalRow>>
  policies: Map<string, Stored<UserPolicyRow>>
  credentials: Map<string, Stored<CredentialRow>>
  challenges: Map<string, Stored<ChallengeRow>>
  codes: Map<string, Stored<RecoveryCodeRow>>
  grants: Map<string, Stored<RecoveryGrantRow>>
}

const empty = (): MemoryState => ({
  accounts: new Map(),
  requests: new Map(),
  audit: [],
  heads: new Map(),
  lines: [],
  days: new Map(),
  approvals: new Map(),
  policies: new Map(),
  credentials: new Map(),
  challenges: new Map(),
  codes: new Map(),
  grants: new Map(),
})

const byKeys =
  <T>(...keys: ((r: T) => string | number)[]) =>
  (a: T, b: T): number => {
    for (const k of keys) {
      const x = k(a)
      const y = k(b)
      if (x < y) return -1
      if (x > y) return 1
    }
    return 0
  }

function insertNew<T>(map: Map<string, T>, key: string, row: T): void {
  if (map.has(key)) throw new Error(`UNIQUE constraint failed: ${key}`)
  map.set(key, row)
}

function rawTx(s: MemoryState): RawTx {
  const vals = <T>(m: Map<string, T>) => [...m.values()]
  return {
    accounts: {
      async insert(row) {
        if (vals(s.accounts).some((a) => a.user_id === row.user_id && a.public_key === row.public_key)) {
          throw new Error('UNIQUE constraint failed: accounts.user_id, accounts.public_key')
        }
        insertNew(s.accounts, row.id, row)
      },
      get: async (userId, id) => vals(s.accounts).find((a) => a.user_id === userId && a.id === id),
      byPublicKey: async (userId, pk) =>
        vals(s.accounts).find((a) => a.user_id === userId && a.public_key === pk),
      list: async (userId) =>
        vals(s.accounts)
          .filter((a) => a.user_id === userId)
          .sort(
            byKeys(
              (a) => a.created_at,
              (a) => a.id,
            ),
          ),
      count: async (userId) => vals(s.accounts).filter((a) => a.user_id === userId).length,
      async delete(userId, id) {
        const a = s.accounts.get(id)
        return a?.user_id === userId && s.accounts.delete(id)
      },
      notUnder: async (kv, afterId, limit) =>
        vals(s.accounts)
          .filter((a) => a.key_version !== kv && a.id > afterId)
          .sort(byKeys((a) => a.id))
          .slice(0, limit),
      countNotUnder: async (kv) => vals(s.accounts).filter((a) => a.key_version !== kv).length,
      async swapCiphertext(userId, id, from, to) {
        const a = s.accounts.get(id)
        if (a?.user_id !== userId || a.ciphertext !== from) return false
        s.accounts.set(id, to)
        return true
      },
    },
    requests: {
      get: async (id) => s.requests.get(id),
      insert: async (row) => insertNew(s.requests, row.request_id, row),
    },
    audit: {
      async append(fields, hashOf) {
        const prev = s.audit.at(-1)
        const head: AuditHead | undefined = prev && { seq: prev.seq, hash: prev.hash }
        const seq = (prev?.seq ?? 0) + 1
        const hash = hashOf(head, seq)
        s.audit.push({ ...fields, seq, prev_hash: prev?.hash ?? '0'.repeat(64), hash })
        return { seq, hash }
      },
      head: async () => {
        const last = s.audit.at(-1)
        return last && { seq: last.seq, hash: last.hash }
      },
      listForUser: async (userId, before, limit) =>
        s.audit
          .filter((r) => r.user_id === userId && r.seq < before)
          .reverse()
          .slice(0, limit),
      range: async (after, limit) => s.audit.filter((r) => r.seq > after).slice(0, limit),
    },
    spending: {
      head: async (userId) => s.heads.get(userId),
      async putHead(row, expectedLines) {
        const cur = s.heads.get(row.user_id)
        if (expectedLines === undefined ? cur !== undefined : cur?.lines !== expectedLines) return false
        s.heads.set(row.user_id, row)
        return true
      },
      // Newest in insertion order (cum accumulates in it), as the SQLite engine answers it.
      lastLineAtOrBefore: async (userId, asset, at) =>
        s.lines.filter((l) => l.user_id === userId && l.asset === asset && l.at <= at).at(-1),
      linesForHash: async (userId, txHash) =>
        s.lines.filter((l) => l.user_id === userId && l.tx_hash === txHash),
      async insertLine(row) {
        const clash = s.lines.some(
          (l) =>
            l.request_id === row.request_id ||
            (l.user_id === row.user_id && l.tx_hash === row.tx_hash && l.asset === row.asset),
        )
        if (clash) throw new Error('UNIQUE constraint failed: spending')
        s.lines.push(row)
      },
      async bumpDay(userId, day, asset, stroops) {
        const k = `${userId}\0${day}\0${asset}`
        s.days.set(k, (s.days.get(k) ?? 0n) + stroops)
      },
      linesOf: async (userId) => s.lines.filter((l) => l.user_id === userId),
    },
    approvals: {
      insert: async (row) => insertNew(s.approvals, row.id, row),
      get: async (userId, id) => {
        const a = s.approvals.get(id)
        return a?.user_id === userId ? a : undefined
      },
      pendingFor: async (userId, accountId, txHash, nowMs) =>
        vals(s.approvals)
          .filter(
            (a) =>
              a.user_id === userId &&
              a.account_id === accountId &&
              a.tx_hash === txHash &&
              a.status === 'pending' &&
              a.expires_ms > nowMs,
          )
          .sort(byKeys((a) => -a.created_ms))[0],
      pendingCount: async (userId, nowMs) =>
        vals(s.approvals).filter(
          (a) => a.user_id === userId && a.status === 'pending' && a.expires_ms > nowMs,
        ).length,
      list: async (userId, limit) =>
        vals(s.approvals)
          .filter((a) => a.user_id === userId)
          .sort(
            byKeys(
              (a) => -a.created_ms,
              (a) => a.id,
            ),
          )
          .slice(0, limit),
      async transition(userId, id, from, to) {
        const a = s.approvals.get(id)
        if (a?.user_id !== userId || a.status !== from) return false
        s.approvals.set(id, to)
        return true
      },
    },
    userPolicies: {
      get: async (userId) => s.policies.get(userId),
      put: async (row) => {
        s.policies.set(row.user_id, row)
      },
    },
    users: {
      credential: async (userId, id) => {
        const c = s.credentials.get(id)
        return c?.user_id === userId ? c : undefined
      },
      credentialTaken: async (id) => s.credentials.has(id),
      credentials: async (userId) =>
        vals(s.credentials)
          .filter((c) => c.user_id === userId)
          .sort(
            byKeys(
              (c) => c.created_at,
              (c) => c.id,
            ),
          ),
      addCredential: async (row) => insertNew(s.credentials, row.id, row),
      async updateCredential(userId, id, fromCounter, to) {
        const c = s.credentials.get(id)
        if (c?.user_id !== userId || c.counter !== fromCounter) return false
        s.credentials.set(id, to)
        return true
      },
      async removeCredential(userId, id) {
        const c = s.credentials.get(id)
        return c?.user_id === userId && s.credentials.delete(id)
      },
      addChallenge: async (row) => insertNew(s.challenges, row.challenge, row),
      challenge: async (value) => s.challenges.get(value),
      async useChallenge(value, to) {
        if (s.challenges.get(value)?.used_ms !== null) return false
        s.challenges.set(value, to)
        return true
      },
      addRecoveryCode: async (row) => insertNew(s.codes, `${row.user_id}\0${row.code_hash}`, row),
      recoveryCode: async (userId, hash) => s.codes.get(`${userId}\0${hash}`),
      recoveryCodes: async (userId) => vals(s.codes).filter((c) => c.user_id === userId),
      async spendRecoveryCode(to) {
        const k = `${to.user_id}\0${to.code_hash}`
        if (s.codes.get(k)?.used_ms !== null) return false
        s.codes.set(k, to)
        return true
      },
      putGrant: async (row) => {
        s.grants.set(row.user_id, row)
      },
      async takeGrant(userId) {
        const g = s.grants.get(userId)
        s.grants.delete(userId)
        return g
      },
    },
  }
}

export type MemoryEngine = Engine & { readonly state: MemoryState }

export function createMemoryEngine(): MemoryEngine {
  let queue: Promise<unknown> = Promise.resolve()
  const engine = {
    kind: 'sqlite' as const,
    state: empty(),
    transaction<T>(_userId: string, fn: (tx: RawTx) => Promise<T>): Promise<T> {
      const run = async (): Promise<T> => {
        const before = structuredClone(engine.state)
        try {
          return await fn(rawTx(engine.state))
        } catch (e) {
          engine.state = before
          throw e
        }
      }
      const result = queue.then(run, run)
      queue = result.catch(() => undefined)
      return result
    },
    prune: async () => undefined,
    close: async () => undefined,
  }
  return engine
}
