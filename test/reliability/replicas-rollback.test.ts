/**
 * Issue 16, must show: a rolled-back database is refused by the edge. The operator stops PostgreSQL, copies
 * the cluster (a consistent copy), lets the replicas answer more, and later puts the copy back; the edge,
 * which keeps the highest audit head it saw in D1, refuses the signer (ERR_SIGNER_ROLLED_BACK) in the two
 * cases it can tell: the chain further back than its late-answer window (HEAD_WINDOW), and the restored
 * chain written on at a seq it had seen with another hash (a fork). A rollback by fewer entries that is
 * only read from is accepted as late answers by design (docs/threat-model.md, "Not stopped").
 */
import { execFileSync } from 'node:child_process'
import { renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { HEAD_WINDOW } from '../../edge/attestation/audit-head.ts'
import { createHttp, pool } from '../support/reliability/http.ts'
import {
  answerOf,
  type Created,
  EDGE_VARS,
  type ReplicaRig,
  startReplicaRig,
} from '../support/reliability/replica-rig.ts'
import { envelope } from '../support/reliability/signer-rpc.ts'
import type { Edge } from '../support/reliability/stack.ts'

let rig: ReplicaRig

beforeAll(async () => {
  rig = await startReplicaRig({ relay: false })
})

afterAll(async () => {
  await rig?.close()
})

const rpc = (i: number) => rig.rpc(i)

/**
 * The operator's rollback: the cluster copied while stopped (a consistent copy), and later put back. Both
 * replicas keep running throughout and reconnect by themselves.
 */
async function snapshot(user: string): Promise<() => Promise<void>> {
  const data = join(rig.db.dir, 'data')
  const copy = join(rig.db.dir, `data-copy-${user}`)
  await rig.db.shutdown()
  execFileSync('cp', ['-a', data, copy])
  await rig.db.start()
  await rig.untilAnswers(0, user)
  await rig.untilAnswers(1, user)
  return async () => {
    await rig.db.shutdown()
    rmSync(data, { recursive: true, force: true })
    renameSync(copy, data)
    await rig.db.start()
    await rig.untilAnswers(0, user)
    await rig.untilAnswers(1, user)
  }
}

/** An edge user with a session, whose account calls reach the signer. */
async function edgeUser(e: Edge, user: string) {
  const token = await e.session(user)
  const http = createHttp(e.url)
  const auth = { authorization: `Bearer ${token}` }
  return {
    list: () => http.send({ method: 'GET', path: '/api/accounts', headers: auth }),
    /** A writing call: the edge records the audit head it answers with. */
    create: (name: string) =>
      http.send({
        method: 'POST',
        path: '/api/accounts',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name, kind: 'agent' }),
      }),
    close: () => http.close(),
  }
}

/** After a rollback nothing the edge asks is answered: the first refusal names the rollback. */
async function expectRefused(e: Edge, calls: readonly (() => Promise<{ status: number; body: string }>)[]) {
  const [first, ...rest] = calls
  if (!first) throw new Error('no call')
  const r = await first()
  expect(r.status).toBe(503)
  expect(JSON.parse(r.body)).toMatchObject({ code: 'ERR_SIGNER_ROLLED_BACK' })
  // Then the replica's trust is gone: later calls are refused as untrusted or rolled back, never served.
  for (const call of rest) {
    const later = await call()
    expect(later.status).toBe(503)
    expect(['ERR_SIGNER_ROLLED_BACK', 'ERR_SIGNER_UNTRUSTED']).toContain(
      (JSON.parse(later.body) as { code: string }).code,
    )
  }
  expect(e.console.join('\n')).toContain('ERR_SIGNER_ROLLED_BACK')
}

it('a database rolled back further than the late-answer window: the edge refuses (ERR_SIGNER_ROLLED_BACK)', async () => {
  const user = 'usr_replicas_rollback_far'
  const a = await rpc(0).ok<Created>('accounts.create', envelope(user, { kind: 'agent', name: 'r' }))
  const u = await edgeUser(rig.edge, user)
  expect((await u.list()).status).toBe(200)
  const restore = await snapshot(user)
  // More than HEAD_WINDOW audited decisions after the copy, then one writing call through the edge.
  const signed = await pool(HEAD_WINDOW + 100, 32, (i) => rig.signFresh(i, user, a))
  expect(signed.filter((o) => answerOf(o)?.ok)).toHaveLength(HEAD_WINDOW + 100)
  expect((await u.create('after-copy')).status).toBe(201)
  await restore()
  await expectRefused(rig.edge, [u.list, u.list, () => u.create('after-rollback')])
  u.close()
})

it('a database rolled back and written on (a fork of the chain): the edge refuses (ERR_SIGNER_ROLLED_BACK)', async () => {
  const user = 'usr_replicas_rollback_fork'
  await rpc(0).ok<Created>('accounts.create', envelope(user, { kind: 'agent', name: 'r' }))
  // A fresh edge (its own D1): the previous case left the first one's highest head far ahead of this chain.
  const fresh = await rig.stack.startEdge(EDGE_VARS)
  const u = await edgeUser(fresh, user)
  expect((await u.list()).status).toBe(200)
  const restore = await snapshot(user)
  // Writes the edge records at the seqs just after the copy's head.
  for (let i = 0; i < 4; i++) expect((await u.create(`after-copy-${i}`)).status).toBe(201)
  await restore()
  // The restored chain grows again through those seqs, with other hashes: a fork of what the edge saw.
  await expectRefused(fresh, [() => u.create('after-rollback'), u.list, u.list])
  u.close()
  await fresh.stop()
})
