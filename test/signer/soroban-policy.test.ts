/**
 * Soroban deny by default, through the whole policy (decode → evaluate) on mainnet: SAC moves of configured
 * assets are counted, every other node the account authorises is read by a protocol decoder or is an unknown
 * call (a person decides, or the deployment refuses it), host functions other than contract calls are
 * refused, and unreadable input is refused with the node's path — never signed with zero spend.
 */
import { Address, Asset, nativeToScVal, Operation, xdr } from '@stellar/stellar-sdk/base'
import { describe, expect, it } from 'vitest'
import { sorobanPreviewLines } from '../../signer/policy/soroban.ts'
import {
  ATTACKER,
  addr,
  addressAuth,
  call,
  check,
  contractOp,
  DENY_UNKNOWN,
  EURC,
  FIXED,
  i128,
  invocation,
  ME,
  MY_OTHER,
  mainnetTx,
  NOW_S,
  OWN,
  POLICY,
  type Row,
  request,
  STRANGER_CONTRACT,
  sourceAuth,
  transfer,
  USDC,
  USDC_KEY,
  u32,
  usdc,
  vec,
  XLM,
} from './protocols/builders.ts'

const sac = (token: string, amount: bigint, to = MY_OTHER) =>
  call(token, 'transfer', [addr(ME), addr(to), i128(amount)])
const unknown = (
  fn = 'send',
  args = [addr(ME), addr(ATTACKER), i128(usdc(1))],
  subs: xdr.SorobanAuthorizedInvocation[] = [],
) => call(STRANGER_CONTRACT, fn, args, subs)
const chain = (levels: number): xdr.SorobanAuthorizedInvocation =>
  levels === 0
    ? invocation(STRANGER_CONTRACT, 'leaf', [])
    : invocation(STRANGER_CONTRACT, 'hop', [], [chain(levels - 1)])
const createNode = () =>
  new xdr.SorobanAuthorizedInvocation({
    function: xdr.SorobanAuthorizedFunction.sorobanAuthorizedFunctionTypeCreateContractHostFn(
      new xdr.CreateContractArgs({
        contractIdPreimage: xdr.ContractIdPreimage.contractIdPreimageFromAddress(
          new xdr.ContractIdPreimageFromAddress({
            address: new Address(ME).toScAddress(),
            salt: new Uint8Array(32),
          }),
        ),
        executable: xdr.ContractExecutable.contractExecutableWasm(new Uint8Array(32)),
      }),
    ),
    subInvocations: [],
  })

const ROWS: Record<string, Row> = {
  // ── signed ─────────────────────────────────────────────────────────────────────────────────────────
  'a SAC transfer of 10 USDC within the caps': {
    tx: () => mainnetTx([sac(USDC, usdc(10))]),
    expect: 'allow',
    spend: { [USDC_KEY]: usdc(10) },
  },
  'an approved call on an unknown contract (its token moves still count)': {
    tx: () => mainnetTx([unknown('deposit', [addr(ME)], [transfer(XLM, ME, STRANGER_CONTRACT, usdc(5))])]),
    approved: true,
    expect: 'allow',
    spend: { native: usdc(5) },
  },
  'another account’s address-credential entry (its authorisation, not ours) with a readable call': {
    tx: () =>
      mainnetTx([
        contractOp(
          USDC,
          'transfer',
          [addr(ATTACKER), addr(ME), i128(usdc(1))],
          [addressAuth(ATTACKER, transfer(USDC, ATTACKER, ME, usdc(1)))],
        ),
      ]),
    expect: 'allow',
    spend: {},
  },
  'a stranger’s address-credential entry with an unknown call: not ours to authorise, so not ours to read': {
    tx: () =>
      mainnetTx([
        contractOp(
          USDC,
          'transfer',
          [addr(ATTACKER), addr(ME), i128(usdc(1))],
          [addressAuth(ATTACKER, invocation(STRANGER_CONTRACT, 'drain', [addr(ATTACKER)]))],
        ),
      ]),
    expect: 'allow',
    spend: {},
  },
  // ── a person decides ───────────────────────────────────────────────────────────────────────────────
  'a token’s `send` on an unknown contract': {
    tx: () => mainnetTx([unknown()]),
    expect: 'approval',
    says: `operation 0 calls \`send\` on unknown contract ${STRANGER_CONTRACT}, effects unknown`,
  },
  'a non-transfer SAC function (set_admin) on a configured asset': {
    tx: () => mainnetTx([call(USDC, 'set_admin', [addr(ATTACKER)])]),
    expect: 'approval',
    says: 'calls `set_admin` on unknown contract',
  },
  'an unknown call in an address-credential entry naming the signer': {
    tx: () =>
      mainnetTx([
        contractOp(STRANGER_CONTRACT, 'x', [], [addressAuth(ME, invocation(STRANGER_CONTRACT, 'x', []))]),
      ]),
    expect: 'approval',
  },
  'no authorization at all: the host function itself is read': {
    tx: () => mainnetTx([contractOp(STRANGER_CONTRACT, 'poke', [], [])]),
    expect: 'approval',
    says: 'calls `poke` on unknown contract',
  },
  // ── refused ────────────────────────────────────────────────────────────────────────────────────────
  'an unknown call where the deployment refuses them': {
    tx: () => mainnetTx([unknown()]),
    policy: DENY_UNKNOWN,
    expect: 'ERR_POLICY_SOROBAN_UNKNOWN_CALL',
    says: 'operation 0: auth 0 node 0: calls `send`',
  },
  'an unknown call nested under a Blend submit (the pool only makes token transfers)': {
    tx: () =>
      mainnetTx([
        call(FIXED, 'submit', [addr(ME), addr(ME), addr(ME), vec([request(1, USDC, 1n)])], [chain(0)]),
      ]),
    expect: 'ERR_POLICY_SOROBAN_TRANSFER',
  },
  'uploading contract code': {
    tx: () => mainnetTx([Operation.uploadContractWasm({ wasm: new Uint8Array(16) })]),
    expect: 'ERR_POLICY_SOROBAN_HOST_FUNCTION',
  },
  'creating a contract (a SAC for an asset)': {
    tx: () => mainnetTx([Operation.createStellarAssetContract({ asset: new Asset('TUX', ME) })]),
    expect: 'ERR_POLICY_SOROBAN_HOST_FUNCTION',
  },
  'a create-contract node under an unknown call': {
    tx: () =>
      mainnetTx([
        contractOp(
          STRANGER_CONTRACT,
          'factory',
          [],
          [sourceAuth(invocation(STRANGER_CONTRACT, 'factory', [], [createNode()]))],
        ),
      ]),
    expect: 'ERR_POLICY_SOROBAN_HOST_FUNCTION',
    says: 'auth 0 node 0.0',
  },
  'unknown calls nested nine levels deep': {
    tx: () => mainnetTx([contractOp(STRANGER_CONTRACT, 'hop', [], [sourceAuth(chain(9))])]),
    expect: 'ERR_POLICY_SOROBAN_DEPTH',
    says: 'node 0.0.0.0.0.0.0.0.0',
  },
  'a SAC transfer whose amount is a u128': {
    tx: () =>
      mainnetTx([call(USDC, 'transfer', [addr(ME), addr(MY_OTHER), nativeToScVal(5n, { type: 'u128' })])]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a negative SAC transfer': { tx: () => mainnetTx([sac(USDC, -1n)]), expect: 'ERR_POLICY_SOROBAN_ARGS' },
  'a SAC transfer with a missing argument': {
    tx: () => mainnetTx([call(USDC, 'transfer', [addr(ME), addr(MY_OTHER)])]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a SAC approve whose expiration is an i128 (SEP-41 says u32)': {
    tx: () => mainnetTx([call(XLM, 'approve', [addr(ME), addr(ATTACKER), i128(1n), i128(100n)])]),
    expect: 'ERR_POLICY_SOROBAN_ARGS',
  },
  'a SAC transfer with a sub-invocation': {
    tx: () => mainnetTx([call(USDC, 'transfer', [addr(ME), addr(MY_OTHER), i128(1n)], [chain(0)])]),
    expect: 'ERR_POLICY_SOROBAN_DEPTH',
  },
  'a transfer from the signer on a token with no limit': {
    tx: () => mainnetTx([sac(EURC, 1n)]),
    expect: 'ERR_POLICY_OPERATION',
  },
  'no authorization, and the host function is a Blend withdraw to an attacker': {
    tx: () =>
      mainnetTx([
        contractOp(FIXED, 'submit', [addr(ME), addr(ME), addr(ATTACKER), vec([request(1, USDC, 1n)])], []),
      ]),
    expect: 'ERR_POLICY_SOROBAN_RECIPIENT',
    says: 'operation 0: call: blend submit',
  },
  'an approval does not lift the daily cap on moves under an unknown call': {
    tx: () => mainnetTx([unknown('deposit', [addr(ME)], [transfer(USDC, ME, STRANGER_CONTRACT, usdc(200))])]),
    approved: true,
    spent: { [USDC_KEY]: usdc(4900) },
    expect: 'ERR_POLICY_DAILY_CAP',
  },
  'the second of two operations is refused, naming it': {
    tx: () => mainnetTx([sac(USDC, usdc(1)), call(FIXED, 'flash_loan', [addr(ME)])]),
    expect: 'ERR_POLICY_SOROBAN_REFUSED_CALL',
    says: 'operation 1: auth 0 node 0: blend flash_loan is never signed',
  },
}

describe('Soroban deny by default', () => {
  const rows = Object.entries(ROWS)
  it('has more bad rows than good', () => {
    expect(rows.filter(([, r]) => r.expect !== 'allow').length).toBeGreaterThan(rows.length / 2)
  })
  it.each(rows)('%s', (_name, row) => check(row))

  it('previews each call in words: a SAC move, and an unknown call saying its effects are unknown', () => {
    const tx = mainnetTx([sac(USDC, usdc(2.5), ATTACKER), unknown('send')])
    const ctx = {
      owner: ME,
      ownAccounts: OWN,
      tokenContracts: POLICY.tokenContracts,
      nowSeconds: BigInt(NOW_S),
      maxTimeAheadSeconds: 300,
      settings: POLICY.soroban,
    }
    const lines = tx.operations.flatMap((op) =>
      op.type === 'invokeHostFunction' ? sorobanPreviewLines(op, ctx) : [],
    )
    expect(lines).toEqual([
      {
        kind: 'contract_call',
        contract: USDC,
        asset: USDC_KEY,
        amount: '2.5',
        destination: ATTACKER,
        text: `Send 2.5 USDC to ${ATTACKER.slice(0, 4)}…${ATTACKER.slice(-4)}`,
      },
      {
        kind: 'unknown_call',
        contract: STRANGER_CONTRACT,
        text: `Calls \`send\` on unknown contract ${STRANGER_CONTRACT}, effects unknown`,
      },
    ])
  })

  it('previews a refused call as its refusal', () => {
    const op = mainnetTx([Operation.uploadContractWasm({ wasm: new Uint8Array(4) })]).operations[0]
    if (op?.type !== 'invokeHostFunction') throw new Error('not a host function')
    const lines = sorobanPreviewLines(op, {
      owner: ME,
      ownAccounts: OWN,
      tokenContracts: POLICY.tokenContracts,
      nowSeconds: BigInt(NOW_S),
      maxTimeAheadSeconds: 300,
      settings: POLICY.soroban,
    })
    expect(lines).toEqual([
      {
        kind: 'unknown_call',
        text: 'Refused: the operation uploads contract code; only contract calls are signed',
      },
    ])
  })

  it('an unreadable u32 where an address belongs is refused, not skipped', () => {
    check({
      tx: () => mainnetTx([call(USDC, 'transfer', [u32(1), addr(ME), i128(1n)])]),
      expect: 'ERR_POLICY_SOROBAN_ARGS',
    })
  })
})
