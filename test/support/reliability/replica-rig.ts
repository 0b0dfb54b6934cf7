/**
 * The replica fault tests' rig: a Debian PostgreSQL, optionally behind a TCP relay that can go silent, two
 * signer replicas on it (stack.ts), an edge configured with both, and an mTLS client per replica, with the
 * polls those tests share (a replica answering again, signing again).
 */
import { type RunningPostgres, startPostgres } from '../postgres/start-postgres.ts'
import { startTcpProxy, type TcpProxy } from '../postgres/tcp-proxy.ts'
import { paymentXdr } from './replica-ledger.ts'
import { createSignerRpc, envelope, type RpcOutcome } from './signer-rpc.ts'
import { type Edge, type ReliabilityStack, startReliabilityStack } from './stack.ts'

export type Created = { readonly accountId: string; readonly publicKey: string }
export type Answer = { ok: boolean; result?: { signedXdr: string }; error?: { code: string } }
export type Rpc = ReturnType<typeof createSignerRpc>

export const answerOf = (o: RpcOutcome): Answer | undefined => {
  if (o.kind !== 'answer') return undefined
  try {
    return JSON.parse(o.text) as Answer
  } catch {
    return undefined
  }
}

/** Generous edge limits: the tests measure the signers, not the rate limiter. */
export const EDGE_VARS = { RATE_LIMIT_READ: '100000/1m', RATE_LIMIT_MONEY: '1000/1m' } as const

export async function startReplicaRig(opts: { readonly relay: boolean }) {
  const db: RunningPostgres = await startPostgres()
  // The replicas reach the database through the relay when asked: it can go silent (a partition).
  const relay: TcpProxy | undefined = opts.relay ? await startTcpProxy(db.port) : undefined
  const url = new URL(db.url)
  if (relay) url.port = String(relay.port)
  const stack: ReliabilityStack = await startReliabilityStack({
    replicas: 2,
    signerEnv: {
      SIGNER_DATABASE_URL: url.toString(),
      SIGNER_POLICY_DEFAULTS: JSON.stringify({
        assets: [{ asset: 'native', perTx: '100', daily: '900000', approvalAbove: null }],
      }),
    },
  })
  const edge: Edge = await stack.startEdge(EDGE_VARS)
  const rpcs = stack.replicas.map((r) => createSignerRpc(stack.pki, () => r.port, 15_000))
  const rpc = (i: number): Rpc => {
    const r = rpcs[i % rpcs.length]
    if (!r) throw new Error('no replica')
    return r
  }
  let seq = 10_000
  const signFresh = (i: number, user: string, a: Created) =>
    rpc(i).call('tx.sign', envelope(user, { accountId: a.accountId, xdr: paymentXdr(a.publicKey, seq++) }))

  /** Polls accounts.list on replica `i` until it answers (the database reachable again). */
  const untilAnswers = async (i: number, user: string, deadlineMs = 15_000): Promise<void> => {
    const t0 = performance.now()
    while (answerOf(await rpc(i).call('accounts.list', envelope(user, {})))?.ok !== true) {
      if (performance.now() - t0 > deadlineMs)
        throw new Error(`replica ${i} did not answer in ${deadlineMs} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** Polls a fresh sign on replica `i` until it is signed; the milliseconds it took. */
  const untilSigns = async (i: number, user: string, a: Created, deadlineMs = 15_000): Promise<number> => {
    const t0 = performance.now()
    for (;;) {
      if (answerOf(await signFresh(i, user, a))?.ok) return performance.now() - t0
      if (performance.now() - t0 > deadlineMs)
        throw new Error(`replica ${i} did not sign again in ${deadlineMs} ms`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  return {
    db,
    relay,
    stack,
    edge,
    rpc,
    signFresh,
    untilAnswers,
    untilSigns,
    close: async () => {
      for (const r of rpcs) r.close()
      await stack.stop()
      await relay?.close()
      await db.stop()
    },
  }
}

export type ReplicaRig = Awaited<ReturnType<typeof startReplicaRig>>
