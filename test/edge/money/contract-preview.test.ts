/**
 * The contract-call preview checks the simulated authorization tree against what the tool declared:
 * every outflow of the user's tokens (transfer/burn/approve beneath the call) must be a declared token, in
 * at most the declared amount. Tables with more refusals than passes; trees built like the real host's.
 */
import {
  Account,
  Address,
  Keypair,
  Networks,
  nativeToScVal,
  Operation,
  TransactionBuilder,
  xdr,
} from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { slippageBps } from '../../../edge/agent/defi-input.ts'
import { previewContractCall } from '../../../edge/money/contract-preview.ts'
import type { Intent } from '../../../edge/money/types.ts'

const USER = Keypair.random().publicKey()
const OTHER = Keypair.random().publicKey()
const POOL = 'CDVQVKOY2YSXS2IC7KN6MNASSHPAO7UN2UR2ON4OI2SKMFJNVAMDX6DP'
const USDC = 'CCW67TSZV3SSS2HXMBQ5JFGCKJNXKZM7UQUWUZPUTHXSTZLEO7SJMI75'
const XLM = 'CAS3J7GYLGXMF6TDJBBYYSE3HQ6BBSMLNUQ34T6TZMYMW2EVH34XOWMA'

const addr = (a: string) => new Address(a).toScVal()
const i128 = (n: bigint) => nativeToScVal(n, { type: 'i128' })

function inv(contract: string, fn: string, args: xdr.ScVal[], sub: xdr.SorobanAuthorizedInvocation[] = []) {
  return new xdr.SorobanAuthorizedInvocation({
    function: xdr.SorobanAuthorizedFunction.sorobanAuthorizedFunctionTypeContractFn(
      new xdr.InvokeContractArgs({
        contractAddress: new Address(contract).toScAddress(),
        functionName: new xdr.XdrString(fn),
        args,
      }),
    ),
    subInvocations: sub,
  })
}

const transfer = (token: string, from: string, amount: bigint) =>
  inv(token, 'transfer', [addr(from), addr(POOL), i128(amount)])

function submitTx(sub: xdr.SorobanAuthorizedInvocation[]) {
  const root = inv(POOL, 'submit', [addr(USER)], sub)
  return new TransactionBuilder(new Account(USER, '1'), {
    fee: '100000',
    networkPassphrase: Networks.TESTNET,
  })
    .addOperation(
      Operation.invokeContractFunction({
        contract: POOL,
        function: 'submit',
        args: [addr(USER)],
        auth: [
          new xdr.SorobanAuthorizationEntry({
            credentials: xdr.SorobanCredentials.sorobanCredentialsSourceAccount(),
            rootInvocation: root,
          }),
        ],
      }),
    )
    .setTimeout(60)
    .build()
}

const HUNDRED = 1_000_000_000n
const supplyIntent: Intent = {
  text: 'Supply 100 USDC',
  leaves: [{ token: USDC, label: 'USDC', decimals: 7, amount: HUNDRED.toString() }],
  into: { kind: 'blend_pool', id: POOL, name: 'Fixed' },
  returns: [],
}

describe('previewContractCall', () => {
  it('a declared transfer passes, with a leg in the token’s units, the target and the fee', () => {
    const r = previewContractCall(submitTx([transfer(USDC, USER, HUNDRED)]), supplyIntent)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.value).toMatchObject({
      kind: 'contract_call',
      contract: POOL,
      function: 'submit',
      fee: '0.01',
      legs: [{ kind: 'contract_transfer', from: USER, to: POOL, asset: 'USDC', amount: '100' }],
    })
    expect(r.value.transfers).toEqual([
      { token: USDC, function: 'transfer', from: USER, to: POOL, amount: '1000000000' },
    ])
  })

  it('another account’s transfer in the tree is not the user’s outflow', () => {
    const r = previewContractCall(
      submitTx([transfer(USDC, USER, HUNDRED), transfer(XLM, OTHER, 5n)]),
      supplyIntent,
    )
    expect(r.ok).toBe(true)
  })

  it.each([
    ['an undeclared token', [transfer(XLM, USER, 1n)], 'does not declare'],
    ['more than declared', [transfer(USDC, USER, HUNDRED + 1n)], 'more USDC than declared'],
    [
      'two transfers adding up past it',
      [transfer(USDC, USER, HUNDRED), transfer(USDC, USER, 1n)],
      'more USDC',
    ],
    [
      'an approve of another token',
      [inv(XLM, 'approve', [addr(USER), addr(POOL), i128(1n), xdr.ScVal.scvU32(9)])],
      'does not declare',
    ],
    ['a burn of another token', [inv(XLM, 'burn', [addr(USER), i128(7n)])], 'does not declare'],
    [
      'a transfer nested two levels down',
      [inv(POOL, 'inner', [], [transfer(XLM, USER, 1n)])],
      'does not declare',
    ],
  ])('refuses %s', (_label, sub, message) => {
    const r = previewContractCall(submitTx(sub), supplyIntent)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('ERR_TX_SIMULATION_FAILED')
    expect(r.error.message).toContain(message)
  })

  it('without an intent (a raw contract call) nothing is refused and amounts stay base units', () => {
    const r = previewContractCall(submitTx([transfer(XLM, USER, 12n)]), null)
    expect(r.ok && r.value.legs).toEqual([
      { kind: 'contract_transfer', from: USER, to: POOL, asset: XLM, amount: '12 base units' },
    ])
  })
})

describe('slippageBps', () => {
  it.each([
    [null, 50],
    ['0', 0],
    ['5', 500],
    ['0.25', 25],
  ])('%j → %i bps', (p, bps) => {
    expect(slippageBps(p, 500)).toEqual({ ok: true, value: bps })
  })
  it.each([
    ['5.01', 'ERR_DEFI_SLIPPAGE'],
    ['50', 'ERR_DEFI_SLIPPAGE'],
    ['0.001', 'ERR_TOOL_INPUT'],
    ['-1', 'ERR_TOOL_INPUT'],
    ['1e2', 'ERR_TOOL_INPUT'],
    ['', 'ERR_TOOL_INPUT'],
    ['one', 'ERR_TOOL_INPUT'],
  ])('%j is refused with %s', (p, code) => {
    const r = slippageBps(p, 500)
    expect(r.ok ? 'ok' : r.error.code).toBe(code)
  })
})
