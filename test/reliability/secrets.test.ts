/**
 * Issue 9, reliability 5, the part no other file provokes: a real secret seed goes in (imported through the
 * API behind a fresh session, HPKE-sealed as the page seals it, pasted into /chat, put in the model's mouth)
 * and must come out nowhere in clear: not in any response (the export carries it sealed to the page's key),
 * SSE stream, stored thread (D1), edge console or signer log. The other files scan what their own scenarios
 * produced the same way.
 */
import { Keypair } from '@stellar/stellar-sdk/base'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { fromHex } from '../../shared/attestation.ts'
import { SealedSeedSchema } from '../../shared/schemas/sealed-seed.ts'
import { openWith, sealInfo, sealSuite, sealTo, toBase64url } from '../../shared/seed-seal.ts'
import { operationOf } from '../signer/proofs.ts'
import { chatStream } from '../support/reliability/chat.ts'
import { createHttp } from '../support/reliability/http.ts'
import { createSecretScan, SEED_RE } from '../support/reliability/secret-scan.ts'
import { createSignerRpc, proverOver } from '../support/reliability/signer-rpc.ts'
import {
  type Edge,
  type ReliabilityStack,
  readLog,
  startReliabilityStack,
} from '../support/reliability/stack.ts'

let stack: ReliabilityStack
let edge: Edge
const scan = createSecretScan()

beforeAll(async () => {
  stack = await startReliabilityStack()
  edge = await stack.startEdge()
  scan.watchDevSecrets(stack.secrets)
})

afterAll(async () => {
  await stack?.stop()
})

it('an imported and pasted seed appears only in its own export; no secret anywhere else', async () => {
  const seed = Keypair.random()
  const secret = seed.secret()
  scan.watch('imported seed', secret)
  const userId = 'usr_reliability_secrets'
  const session = await edge.session(userId, { reauth: true })
  const http = createHttp(edge.url)
  const auth = { authorization: `Bearer ${session}` }
  // The user's passkey at the signer: import and export carry the user's own proof through the edge.
  const rpc = createSignerRpc(stack.pki, () => Number(stack.signerEnv.SIGNER_PORT))
  const prover = proverOver(rpc)
  await prover.enrol(userId)
  const proofFor = async (method: string, params: Record<string, unknown>) => ({
    assertion: await prover.assertionFor(userId, operationOf(method, params)),
  })

  const doc = JSON.parse((await http.send({ method: 'GET', path: '/api/attestation' })).body) as {
    hpkePublicKey: string
  }
  const sealed = await sealTo(
    fromHex(doc.hpkePublicKey) ?? new Uint8Array(0),
    new TextEncoder().encode(secret),
    sealInfo('accounts.import', 'usr_reliability_secrets', null),
  )
  const imported = await http.send({
    method: 'POST',
    path: '/api/accounts/import',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      sealed,
      name: 'imported',
      proof: await proofFor('accounts.import', { sealed, name: 'imported' }),
    }),
  })
  scan.add('import response', imported.body)
  expect(imported.status).toBe(201)
  const { accountId, publicKey } = JSON.parse(imported.body) as { accountId: string; publicKey: string }
  expect(publicKey).toBe(seed.publicKey())

  // Pasted by the user, and echoed by a model that should not have seen it.
  stack.standIns.model.script('paste', [{ text: `Noted: ${secret}. Never share it.` }])
  const { r, events } = await chatStream(
    edge.url,
    session,
    `[script:paste] my key is ${secret}, keep it safe`,
  )
  scan.add('chat SSE', r.body)
  expect(events.at(-1)?.event).toBe('done')
  // What the model was sent: the user's text with the seed redacted.
  scan.add('model requests', JSON.stringify(stack.standIns.model.requests))

  for (const path of [
    '/api/accounts',
    `/api/accounts/${accountId}`,
    '/api/threads',
    '/auth/session',
    '/health',
  ]) {
    const res = await http.send({ method: 'GET', path, headers: auth })
    scan.add(`GET ${path}`, res.body)
    expect(res.status).toBe(200)
  }
  const threads = JSON.parse(
    (await http.send({ method: 'GET', path: '/api/threads', headers: auth })).body,
  ) as {
    threads: { id: string }[]
  }
  for (const t of threads.threads) {
    const m = await http.send({ method: 'GET', path: `/api/threads/${t.id}/messages`, headers: auth })
    scan.add('thread messages', m.body)
  }

  // The export carries the seed sealed to the page's ephemeral key: it opens there, and the wire has no seed.
  const suite = sealSuite()
  const mine = await suite.kem.generateKeyPair()
  const recipientPublicKey = toBase64url(new Uint8Array(await suite.kem.serializePublicKey(mine.publicKey)))
  const exported = await http.send({
    method: 'POST',
    path: `/api/accounts/${accountId}/export`,
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      recipientPublicKey,
      proof: await proofFor('accounts.export', { accountId, recipientPublicKey }),
    }),
  })
  rpc.close()
  expect(exported.status).toBe(200)
  scan.add('export response', exported.body)
  const opened = await openWith(
    mine,
    SealedSeedSchema.parse((JSON.parse(exported.body) as { sealed: unknown }).sealed),
    sealInfo('accounts.export', 'usr_reliability_secrets', accountId),
  )
  expect(new TextDecoder().decode(opened)).toBe(secret)
  expect(SEED_RE.test(exported.body)).toBe(false)
  SEED_RE.lastIndex = 0
  expect(exported.headers['cache-control']).toBe('no-store')

  scan.add('edge console', edge.console.join('\n'))
  scan.add('signer log', readLog(stack.signerLogFile))
  scan.add('stored threads (D1)', await edge.dumpThreads())
  for (const t of stack.sessionTokens) scan.watch('session token', t)
  const findings = scan.scan()
  console.log(
    `[reliability] secret scan: ${scan.sources} texts, ${scan.bytes} bytes, ${findings.length} findings`,
  )
  expect(findings).toEqual([])
})
