/**
 * The launcher `npm run dev:local` uses: all three stand-ins start on loopback, their URLs form a valid
 * `custom` network for shared/network.ts, and they stop cleanly. The network announces the stand-in's DeFi
 * contracts (PROTOCOL_CONTRACTS), and the pool it serves lists exactly the token ids the edge derives.
 */
import { Horizon } from '@stellar/stellar-sdk'
import { Keypair } from '@stellar/stellar-sdk/base'
import { expect, it } from 'vitest'
import { loadPool } from '../../edge/defi/blend/read.ts'
import { defiDeployments } from '../../edge/defi/deployments.ts'
import { SorobanRpc } from '../../edge/stellar/soroban-rpc.ts'
import { startStandIns } from '../../scripts/lib/stand-ins.ts'
import { parseNetwork } from '../../shared/network.ts'

it('starts Horizon, Soroban RPC and the model as one custom network', async () => {
  const s = await startStandIns()
  try {
    const parsed = parseNetwork(s.networkVars)
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.network).toMatchObject({
      name: 'custom',
      passphrase: s.passphrase,
      friendbotUrl: s.horizon.friendbotUrl,
    })
    const kp = Keypair.random()
    expect((await fetch(`${parsed.network.friendbotUrl}?addr=${kp.publicKey()}`)).status).toBe(200)
    const account = await new Horizon.Server(parsed.network.horizonUrl, { allowHttp: true }).loadAccount(
      kp.publicKey(),
    )
    expect(account.balances.at(-1)?.balance).toBe('10000.0000000')
    const rpc = await fetch(parsed.network.sorobanRpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getNetwork' }),
    })
    expect(((await rpc.json()) as { result: { passphrase: string } }).result.passphrase).toBe(s.passphrase)
    expect((await fetch(`${s.model.url}/models`)).status).toBe(200)
    const defi = defiDeployments(parsed.network)
    const [pool] = defi.blend?.pools ?? []
    const served = await loadPool(new SorobanRpc(parsed.network), pool?.id ?? '', 0n)
    expect(served.reserves.map((r) => r.asset)).toEqual([defi.tokens.XLM?.id, defi.tokens.USDC?.id])
  } finally {
    await s.stop()
  }
})
