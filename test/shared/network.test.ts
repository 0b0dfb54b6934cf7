import { describe, expect, it } from 'vitest'
import { PASSPHRASES, parseNetwork } from '../../shared/network.ts'

describe('network config', () => {
  it('defaults to testnet with friendbot', () => {
    const r = parseNetwork({})
    expect(r.ok && r.network.name).toBe('testnet')
    expect(r.ok && r.network.passphrase).toBe(PASSPHRASES.testnet)
    expect(r.ok && r.network.friendbotUrl).toMatch(/^https:\/\/friendbot/)
  })
  it('mainnet has no friendbot', () => {
    const r = parseNetwork({ STELLAR_NETWORK: 'mainnet' })
    expect(r.ok && r.network.passphrase).toBe(PASSPHRASES.mainnet)
    expect(r.ok && r.network.friendbotUrl).toBeUndefined()
  })
  it('custom takes passphrase and URLs from config, trailing slashes trimmed', () => {
    const r = parseNetwork({
      STELLAR_NETWORK: 'custom',
      NETWORK_PASSPHRASE: 'Local ; 1',
      HORIZON_URL: 'http://127.0.0.1:8000/',
      SOROBAN_RPC_URL: 'http://127.0.0.1:8001',
      FRIENDBOT_URL: 'http://127.0.0.1:8000/friendbot',
    })
    expect(r).toMatchObject({
      ok: true,
      network: {
        name: 'custom',
        passphrase: 'Local ; 1',
        horizonUrl: 'http://127.0.0.1:8000',
        friendbotUrl: 'http://127.0.0.1:8000/friendbot',
      },
    })
  })
  it.each([
    [{ STELLAR_NETWORK: 'devnet' }, 'STELLAR_NETWORK'],
    [{ STELLAR_NETWORK: 'custom' }, 'NETWORK_PASSPHRASE'],
    [{ STELLAR_NETWORK: 'custom', NETWORK_PASSPHRASE: 'x', SOROBAN_RPC_URL: 'http://a' }, 'HORIZON_URL'],
    [{ STELLAR_NETWORK: 'custom', NETWORK_PASSPHRASE: 'x', HORIZON_URL: 'http://a' }, 'SOROBAN_RPC_URL'],
    [{ STELLAR_NETWORK: 'testnet', NETWORK_PASSPHRASE: PASSPHRASES.mainnet }, 'NETWORK_PASSPHRASE'],
    [{ STELLAR_NETWORK: 'mainnet', FRIENDBOT_URL: 'https://friendbot.example' }, 'FRIENDBOT_URL'],
    [{ HORIZON_URL: 'ftp://horizon.example' }, 'HORIZON_URL'],
    [{ HORIZON_URL: 'not a url' }, 'HORIZON_URL'],
  ])('rejects %j naming %s', (env, name) => {
    const r = parseNetwork(env)
    expect(r.ok).toBe(false)
    expect(!r.ok && r.problems.join('\n')).toContain(name)
  })
})
