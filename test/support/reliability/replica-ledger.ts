/**
 * What the replica tests read straight from the shared PostgreSQL (as an auditor would, not through the
 * signer): the audit chain, a user's allowed signatures and ledger lines, and the checks that tie them
 * together. Also the payments they sign. Read-only except `exec`, which the tamper test uses to play a
 * hostile database operator.
 */
import {
  Account,
  Asset,
  Keypair,
  Operation,
  Transaction,
  TransactionBuilder,
} from '@stellar/stellar-sdk/base'
import pg from 'pg'
import { LOCAL_PASSPHRASE } from '../../../scripts/lib/stand-ins.ts'
import { type VerifyResult, verifyChain } from '../../../signer/audit/verify.ts'
import type { AuditRow } from '../../../signer/store/types.ts'

export const paymentXdr = (source: string, seq: number, amount = '1'): string =>
  new TransactionBuilder(new Account(source, String(seq)), {
    fee: '100',
    networkPassphrase: LOCAL_PASSPHRASE,
  })
    .addOperation(
      Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount }),
    )
    .setTimeout(300)
    .build()
    .toEnvelope()
    .toXDR('base64')

/** Does `signedXdr` carry a valid signature by `publicKey` over its own hash? */
export const signedBy = (signedXdr: string, publicKey: string): boolean => {
  const tx = new Transaction(signedXdr, LOCAL_PASSPHRASE)
  const kp = Keypair.fromPublicKey(publicKey)
  return tx.signatures.some((s) => kp.verify(tx.hash(), Buffer.from(s.signature.value)))
}

export type Allow = { readonly request_id: string; readonly tx_hash: string; readonly seq: number }
export type Line = { readonly request_id: string; readonly tx_hash: string; readonly stroops: bigint }

type RawAudit = Omit<AuditRow, 'seq'> & { seq: string }

export async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** The whole audit chain in seq order (int8 comes back as text from `pg`). */
export async function auditChain(c: pg.Client): Promise<{ rows: AuditRow[]; verdict: VerifyResult }> {
  const { rows } = await c.query<RawAudit>('SELECT * FROM audit ORDER BY seq')
  const typed = rows.map((r) => ({ ...r, seq: Number(r.seq) }))
  return { rows: typed, verdict: verifyChain(typed) }
}

/** A user's allowed tx.sign entries. */
export async function allowsOf(c: pg.Client, userId: string): Promise<Allow[]> {
  const { rows } = await c.query<{ request_id: string; tx_hash: string; seq: string }>(
    `SELECT request_id, tx_hash, seq FROM audit
     WHERE user_id = $1 AND method = 'tx.sign' AND decision = 'allow' ORDER BY seq`,
    [userId],
  )
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }))
}

/** A user's ledger lines of one ledger key ('native', 'fee', …), request ids without their `#key` suffix. */
export async function linesOf(c: pg.Client, userId: string, asset: string): Promise<Line[]> {
  const { rows } = await c.query<{ request_id: string; tx_hash: string; stroops: string }>(
    'SELECT request_id, tx_hash, stroops::text AS stroops FROM spending WHERE user_id = $1 AND asset = $2',
    [userId, asset],
  )
  return rows.map((r) => ({
    request_id: r.request_id.replace(/#[^#]*$/, ''),
    tx_hash: r.tx_hash,
    stroops: BigInt(r.stroops),
  }))
}

/**
 * Ledger = audit: every allowed tx.sign has exactly one line per ledger key with its hash, every line has its
 * allow, and no transaction hash is allowed twice. Returns what does not hold (empty: all holds).
 */
export function ledgerAgainstAudit(
  allows: readonly Allow[],
  ledgers: Readonly<Record<string, readonly Line[]>>,
): string[] {
  const problems: string[] = []
  const byRequest = new Map<string, Allow>()
  const hashes = new Map<string, number>()
  for (const a of allows) {
    if (byRequest.has(a.request_id)) problems.push(`request ${a.request_id} allowed twice`)
    byRequest.set(a.request_id, a)
    hashes.set(a.tx_hash, (hashes.get(a.tx_hash) ?? 0) + 1)
  }
  for (const [hash, n] of hashes) if (n > 1) problems.push(`tx ${hash} signed ${n} times`)
  for (const [key, lines] of Object.entries(ledgers)) {
    const seen = new Set<string>()
    for (const l of lines) {
      const a = byRequest.get(l.request_id)
      if (!a) problems.push(`${key} line ${l.request_id} has no allow in the audit`)
      else if (a.tx_hash !== l.tx_hash) problems.push(`${key} line ${l.request_id}: hash differs from audit`)
      if (seen.has(l.request_id)) problems.push(`${key} line ${l.request_id} twice`)
      seen.add(l.request_id)
    }
    for (const a of allows)
      if (!seen.has(a.request_id)) problems.push(`allow ${a.request_id}: no ${key} line`)
  }
  return problems
}
