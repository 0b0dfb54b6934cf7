/**
 * The sealed store: an engine's `RawTx` turned into the `Tx` every method uses. Threat this stops: a
 * database (or its operator) that edits, plants, moves or swaps the rows a decision relies on. Every row
 * written gets a MAC (row-mac.ts, key from the master key: the KMS's in `tdx`), every row read is checked
 * before anything decides on it, listings included; a row that fails is StoreTamperedError — a refusal,
 * logged, never a zero or a fallback. Conditional updates (approval decide/use, passkey counter, challenge,
 * recovery code, recovery grant) read and check the row, build the new row and its MAC, and hand it to the
 * engine's compare-and-set, so they keep the old stores' semantics exactly.
 * Not MAC'd: the audit chain (hash-chained, its head goes to the edge with every answer), counts used only
 * for quotas, and the per-day report totals no decision reads.
 */
import { entryHash, GENESIS_HASH } from '../audit/chain.ts'
import type { RowKeys } from './row-mac.ts'
import { ACCOUNTS, APPROVALS, openRow, openRows, REQUESTS, sealRow, USER_POLICIES } from './row-tables.ts'
import { sealedSpending } from './sealed-spending.ts'
import { sealedUsers } from './sealed-users.ts'
import {
  type ApprovalRow,
  type Engine,
  type RawTx,
  type Store,
  StoreTamperedError,
  type Tx,
} from './types.ts'

/** What the store logs: a tampered row (table and key, never the row's content). */
export type StoreLog = { error(obj: object, msg: string): void }

function must(table: string, key: string, ok: boolean): void {
  if (!ok) throw new StoreTamperedError(table, key)
}

/** The sealed `Tx` over one engine transaction. */
export function sealTx(raw: RawTx, keys: RowKeys): Tx {
  const spending = sealedSpending(raw, keys)

  async function approval(userId: string, id: string): Promise<ApprovalRow | undefined> {
    const stored = await raw.approvals.get(userId, id)
    if (!stored) return undefined
    const row = openRow(keys, APPROVALS, stored)
    must(APPROVALS.name, APPROVALS.keyOf(row), row.user_id === userId && row.id === id)
    return row
  }

  async function transition(row: ApprovalRow, to: ApprovalRow): Promise<boolean> {
    return raw.approvals.transition(row.user_id, row.id, row.status, sealRow(keys, APPROVALS, to))
  }

  const ofUser = <T extends { readonly user_id: string }>(
    table: typeof ACCOUNTS | typeof APPROVALS,
    userId: string,
    rows: T[],
  ): T[] => {
    for (const r of rows) must(table.name, userId, r.user_id === userId)
    return rows
  }

  return {
    accounts: {
      async insert(row) {
        // The user's first account comes with their zero ledger head: from then on a missing head is
        // tampering (sealed-spending.ts), not a user who has not spent yet.
        await spending.ensureHead(row.user_id)
        await raw.accounts.insert(sealRow(keys, ACCOUNTS, row))
      },
      async get(userId, id) {
        const stored = await raw.accounts.get(userId, id)
        if (!stored) return undefined
        const row = openRow(keys, ACCOUNTS, stored)
        must(ACCOUNTS.name, ACCOUNTS.keyOf(row), row.user_id === userId && row.id === id)
        return row
      },
      async existsPublicKey(userId, publicKey) {
        const stored = await raw.accounts.byPublicKey(userId, publicKey)
        if (!stored) return false
        const row = openRow(keys, ACCOUNTS, stored)
        must(ACCOUNTS.name, ACCOUNTS.keyOf(row), row.user_id === userId && row.public_key === publicKey)
        return true
      },
      list: async (userId) =>
        ofUser(ACCOUNTS, userId, openRows(keys, ACCOUNTS, await raw.accounts.list(userId))),
      count: (userId) => raw.accounts.count(userId),
      delete: (userId, id) => raw.accounts.delete(userId, id),
      notUnder: async (keyVersion, afterId, limit) =>
        openRows(keys, ACCOUNTS, await raw.accounts.notUnder(keyVersion, afterId, limit)),
      countNotUnder: (keyVersion) => raw.accounts.countNotUnder(keyVersion),
      /** Rotation: the re-sealed ciphertext under a fresh MAC, only while the row is still `row`. */
      swapCiphertext: (row, ciphertext, keyVersion) =>
        raw.accounts.swapCiphertext(
          row.user_id,
          row.id,
          row.ciphertext,
          sealRow(keys, ACCOUNTS, { ...row, ciphertext, key_version: keyVersion }),
        ),
    },

    requests: {
      // A stored answer is replayed to the caller as the signer's own: it must be the signer's own.
      async get(requestId) {
        const stored = await raw.requests.get(requestId)
        if (!stored) return undefined
        const row = openRow(keys, REQUESTS, stored)
        must(REQUESTS.name, requestId, row.request_id === requestId)
        return row
      },
      insert: (row) => raw.requests.insert(sealRow(keys, REQUESTS, row)),
    },

    audit: {
      append(fields) {
        const row = { ...fields, reason: fields.reason ?? null }
        return raw.audit.append(row, (prev, seq) => entryHash(prev?.hash ?? GENESIS_HASH, seq, row))
      },
      head: () => raw.audit.head(),
      listForUser: (userId, beforeSeq, limit) => raw.audit.listForUser(userId, beforeSeq, limit),
      range: (afterSeq, limit) => raw.audit.range(afterSeq, limit),
    },

    spending,

    approvals: {
      insert: (row) => raw.approvals.insert(sealRow(keys, APPROVALS, row)),
      get: approval,
      async pendingFor(userId, accountId, txHash, nowMs) {
        const stored = await raw.approvals.pendingFor(userId, accountId, txHash, nowMs)
        if (!stored) return undefined
        const row = openRow(keys, APPROVALS, stored)
        const same = row.user_id === userId && row.account_id === accountId && row.tx_hash === txHash
        must(APPROVALS.name, APPROVALS.keyOf(row), same && row.status === 'pending' && row.expires_ms > nowMs)
        return row
      },
      pendingCount: (userId, nowMs) => raw.approvals.pendingCount(userId, nowMs),
      list: async (userId, limit) =>
        ofUser(APPROVALS, userId, openRows(keys, APPROVALS, await raw.approvals.list(userId, limit))),
      /** Moves from `from` to `to`; false when the row was not in `from` (raced, or already decided). */
      async decide(userId, id, from, to, nowMs) {
        const row = await approval(userId, id)
        if (!row || row.status !== from) return false
        return transition(row, { ...row, status: to, decided_ms: nowMs })
      },
      // The status guard makes "single use" a property of the row, not of the caller's care.
      async use(userId, id, nowMs) {
        const row = await approval(userId, id)
        if (row?.status !== 'approved') return false
        return transition(row, { ...row, status: 'used', used_ms: nowMs })
      },
    },

    userPolicies: {
      async get(userId) {
        const stored = await raw.userPolicies.get(userId)
        if (!stored) return undefined
        const row = openRow(keys, USER_POLICIES, stored)
        must(USER_POLICIES.name, userId, row.user_id === userId)
        return row.policy
      },
      put: (userId, policyJson, at) =>
        raw.userPolicies.put(
          sealRow(keys, USER_POLICIES, { user_id: userId, policy: policyJson, updated_at: at }),
        ),
    },

    users: sealedUsers(raw, keys),
  }
}

/**
 * The signer's store: the engine's transactions over the sealed Tx. A tampered row aborts the transaction
 * (nothing of the request is written) and is logged with its table and key.
 */
export function createStore(engine: Engine, keys: RowKeys, log?: StoreLog): Store {
  return {
    kind: engine.kind,
    async transaction(userId, fn) {
      try {
        return await engine.transaction(userId, (raw) => fn(sealTx(raw, keys)))
      } catch (e) {
        if (e instanceof StoreTamperedError) {
          log?.error({ table: e.table, key: e.key, userId }, 'store: a row failed its integrity check')
        }
        throw e
      }
    },
    prune: (nowMs) => engine.prune(nowMs),
    close: () => engine.close(),
  }
}
