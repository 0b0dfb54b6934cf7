import { env } from 'cloudflare:workers'
import { Account, Asset, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { json, signedInUser, testApp } from './support/app.ts'

const call = testApp()
const HORIZON = String(Reflect.get(env, 'HORIZON_URL'))
const PASSPHRASE = String(Reflect.get(env, 'NETWORK_PASSPHRASE'))

async function fundedWallet() {
  const kp = Keypair.random()
  const res = await fetch(`${HORIZON}/friendbot?addr=${kp.publicKey()}`)
  expect(res.status).toBe(200)
  return kp
}

async function payment(from: Keypair, to: string, amount: string, passphrase = PASSPHRASE) {
  const acc = (await (await fetch(`${HORIZON}/accounts/${from.publicKey()}`)).json()) as { sequence: string }
  const tx = new TransactionBuilder(new Account(from.publicKey(), acc.sequence), {
    fee: '100',
    networkPassphrase: passphrase,
  })
    .addOperation(Operation.payment({ destination: to, asset: Asset.native(), amount }))
    .setTimeout(60)
    .build()
  tx.sign(from)
  return tx
}

const submit = (auth: Record<string, string>, body: unknown) =>
  call('/api/transactions/submit-signed', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

async function nativeBalance(publicKey: string) {
  const acc = (await (await fetch(`${HORIZON}/accounts/${publicKey}`)).json()) as {
    balances: { asset_type: string; balance: string }[]
  }
  return acc.balances.find((b) => b.asset_type === 'native')?.balance
}

describe('POST /api/transactions/submit-signed (external wallet)', () => {
  it('a wallet-signed payment is checked, submitted and lands on the ledger', async () => {
    const user = await signedInUser()
    const [from, to] = [await fundedWallet(), await fundedWallet()]
    const tx = await payment(from, to.publicKey(), '12.5')
    const res = await submit(user.auth, { xdr: tx.toXDR() })
    expect(res.status).toBe(200)
    const body = await json<{ hash: string; ledger: number }>(res)
    expect(body.hash).toBe(Array.from(tx.hash(), (b) => b.toString(16).padStart(2, '0')).join(''))
    expect(await nativeBalance(to.publicKey())).toBe('10012.5000000')
  })

  it('a transaction signed for another network is refused before Horizon', async () => {
    const user = await signedInUser()
    const [from, to] = [await fundedWallet(), await fundedWallet()]
    const tx = await payment(from, to.publicKey(), '1', 'Test SDF Network ; September 2015')
    const res = await submit(user.auth, { xdr: tx.toXDR() })
    expect(res.status).toBe(400)
    expect((await json(res)).code).toBe('ERR_TX_NETWORK_MISMATCH')
    expect(await nativeBalance(to.publicKey())).toBe('10000.0000000')
  })

  it('a stale sequence reaches Horizon and comes back as ERR_TX_SUBMIT_FAILED with the result code', async () => {
    const user = await signedInUser()
    const [from, to] = [await fundedWallet(), await fundedWallet()]
    const tx = await payment(from, to.publicKey(), '1')
    expect((await submit(user.auth, { xdr: tx.toXDR() })).status).toBe(200)
    const replay = await submit(user.auth, { xdr: tx.toXDR() })
    expect(replay.status).toBe(422)
    const body = await json<{ code: string; message: string }>(replay)
    expect(body.code).toBe('ERR_TX_SUBMIT_FAILED')
    expect(body.message).toContain('tx_bad_seq')
  })

  it.each([
    ['not base64', { xdr: 'not base64!!' }, 'ERR_VALIDATION'],
    ['empty', { xdr: '' }, 'ERR_VALIDATION'],
    ['garbage base64', { xdr: 'AAAAAAAAAAAAAAAA' }, 'ERR_TX_INVALID'],
    ['number', { xdr: 42 }, 'ERR_VALIDATION'],
    ['missing', {}, 'ERR_VALIDATION'],
    ['extra key', { xdr: 'AAAA', network: 'testnet' }, 'ERR_VALIDATION'],
  ])('%s → 400 %s', async (_label, body, code) => {
    const user = await signedInUser()
    const res = await submit(user.auth, body)
    expect(res.status).toBe(400)
    expect((await json(res)).code).toBe(code)
  })

  it('an unsigned transaction is refused', async () => {
    const user = await signedInUser()
    const from = await fundedWallet()
    const acc = (await (await fetch(`${HORIZON}/accounts/${from.publicKey()}`)).json()) as {
      sequence: string
    }
    const tx = new TransactionBuilder(new Account(from.publicKey(), acc.sequence), {
      fee: '100',
      networkPassphrase: PASSPHRASE,
    })
      .addOperation(Operation.bumpSequence({ bumpTo: '0' }))
      .setTimeout(60)
      .build()
    const res = await submit(user.auth, { xdr: tx.toXDR() })
    expect(res.status).toBe(400)
    expect(await json(res)).toMatchObject({ code: 'ERR_TX_INVALID', message: 'transaction is not signed' })
  })
})
