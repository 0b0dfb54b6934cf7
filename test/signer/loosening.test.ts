/**
 * isLoosening(old, next) (signer/policy/loosening.ts) and parseOrigins (signer/config.ts), as tables. A
 * change that raises or drops a user's own limit, or adds an address to (or drops) an allow-list, loosens
 * and needs the user's proof; anything else goes through on the edge's word. Origins the signer checks
 * proofs against are exact, on the RP ID, https (http only for localhost in development), and required.
 * Threats these rows pin down: an edge loosening limits by calling it "tightening", and a signer accepting
 * proofs made on a page the operator controls.
 */
import { describe, expect, it } from 'vitest'
import { loadConfig, parseOrigins } from '../../signer/config.ts'
import { ConfigError } from '../../signer/errors.ts'
import type { UserPolicy } from '../../signer/policy/config.ts'
import { isLoosening } from '../../signer/policy/loosening.ts'
import { TEST_RP_ID, TEST_RP_ORIGIN, testEnv } from './helpers.ts'

const G1 = 'GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5'
const G2 = 'GAAZI4TCR3TY5OJHCTJC2A4QSY6CJWJH5IAJTGKIN2ER7LBNVKOCCWN7'
const ACC = 'acc_0123456789abcdef01'
const USDC = `USDC:${G1}`

const p = (assets: UserPolicy['assets'] = {}, destinations: UserPolicy['destinations'] = {}): UserPolicy => ({
  assets,
  destinations,
})

const rows: [string, UserPolicy | undefined, UserPolicy, boolean][] = [
  // loosening (needs proof)
  ['perTx raised', p({ native: { perTx: '10' } }), p({ native: { perTx: '10.0000001' } }), true],
  ['daily raised', p({ native: { daily: '100' } }), p({ native: { daily: '200' } }), true],
  [
    'approvalAbove raised',
    p({ native: { approvalAbove: '5' } }),
    p({ native: { approvalAbove: '6' } }),
    true,
  ],
  [
    'a limit dropped (falls back to the deployment)',
    p({ native: { perTx: '10', daily: '50' } }),
    p({ native: { perTx: '10' } }),
    true,
  ],
  [
    'an asset dropped',
    p({ native: { perTx: '10' }, [USDC]: { daily: '5' } }),
    p({ native: { perTx: '10' } }),
    true,
  ],
  [
    'one raised among tightened',
    p({ native: { perTx: '10', daily: '50' } }),
    p({ native: { perTx: '1', daily: '51' } }),
    true,
  ],
  ['an address added to an allow-list', p({}, { [ACC]: [G1] }), p({}, { [ACC]: [G1, G2] }), true],
  ['an address swapped in an allow-list', p({}, { [ACC]: [G1] }), p({}, { [ACC]: [G2] }), true],
  ['an empty allow-list gains one', p({}, { [ACC]: [] }), p({}, { [ACC]: [G1] }), true],
  ['an allow-list dropped', p({}, { [ACC]: [G1] }), p(), true],
  [
    'an unparseable old limit (fail closed)',
    p({ native: { perTx: 'ten' } }),
    p({ native: { perTx: '1' } }),
    true,
  ],
  // not loosening (the edge's word suffices)
  ['nothing before, a limit now', undefined, p({ native: { perTx: '10' } }), false],
  ['perTx lowered', p({ native: { perTx: '10' } }), p({ native: { perTx: '9.9999999' } }), false],
  [
    'unchanged',
    p({ native: { daily: '100' } }, { [ACC]: [G1] }),
    p({ native: { daily: '100' } }, { [ACC]: [G1] }),
    false,
  ],
  ['an allow-list narrowed', p({}, { [ACC]: [G1, G2] }), p({}, { [ACC]: [G2] }), false],
  ['a first allow-list', p(), p({}, { [ACC]: [G1] }), false],
]

describe('isLoosening', () => {
  it.each(rows)('%s → %s', (_name, old, next, loosening) => {
    expect(isLoosening(old, next)).toBe(loosening)
  })
})

const origins: [string, string, string, 'development' | 'production', string[] | undefined][] = [
  ['https on the RP', 'https://tuxedo.example', 'tuxedo.example', 'production', ['https://tuxedo.example']],
  [
    'a subdomain and the apex',
    'https://app.tuxedo.example, https://tuxedo.example',
    'tuxedo.example',
    'production',
    ['https://app.tuxedo.example', 'https://tuxedo.example'],
  ],
  [
    'localhost over http in development',
    'http://localhost:8787',
    'localhost',
    'development',
    ['http://localhost:8787'],
  ],
  ['http in production', 'http://tuxedo.example', 'tuxedo.example', 'production', undefined],
  ['localhost over http in production', 'http://localhost:8787', 'localhost', 'production', undefined],
  ['another host', 'https://evil.example', 'tuxedo.example', 'production', undefined],
  [
    'a suffix that is not a subdomain',
    'https://eviltuxedo.example',
    'tuxedo.example',
    'production',
    undefined,
  ],
  ['a path', 'https://tuxedo.example/app', 'tuxedo.example', 'production', undefined],
  ['a trailing slash', 'https://tuxedo.example/', 'tuxedo.example', 'production', undefined],
  ['not a URL', 'tuxedo.example', 'tuxedo.example', 'production', undefined],
  [
    'one bad among good',
    'https://tuxedo.example,https://evil.example',
    'tuxedo.example',
    'production',
    undefined,
  ],
  ['empty', '', 'tuxedo.example', 'production', undefined],
]

describe('SIGNER_RP_ORIGINS', () => {
  it.each(origins)('%s', (_name, raw, rpId, environment, expected) => {
    expect(parseOrigins(raw, rpId, environment)).toEqual(expected)
  })
})

describe('the relying party is required configuration (in-process loadConfig)', () => {
  it.each([
    ['RP ID missing', { SIGNER_RP_ID: undefined }, 'SIGNER_RP_ID'],
    ['RP ID not a host name', { SIGNER_RP_ID: 'https://tuxedo.example' }, 'SIGNER_RP_ID'],
    ['RP origins missing', { SIGNER_RP_ORIGINS: undefined }, 'SIGNER_RP_ORIGINS'],
    ['RP origin on another host', { SIGNER_RP_ORIGINS: 'http://evil.example' }, 'SIGNER_RP_ORIGINS'],
  ])('%s → ConfigError naming %s', (_name, overrides, variable) => {
    expect(() => loadConfig(testEnv(overrides))).toThrow(ConfigError)
    expect(() => loadConfig(testEnv(overrides))).toThrow(variable)
  })
  it('a good one is frozen into the config', () => {
    expect(loadConfig(testEnv()).rp).toEqual({ id: TEST_RP_ID, origins: [TEST_RP_ORIGIN] })
  })
})
