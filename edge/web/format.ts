/**
 * Words for people: amounts grouped and trimmed ("10,000 XLM", never a float), asset codes instead of
 * "native" or CODE:ISSUER keys, operation names in words, and error codes turned into sentences (the code
 * itself stays visible in a details line, see ui.ts). One home for every label the client shows.
 */

/** "10000.0000000" → "10,000"; "0.0000100" → "0.00001". String arithmetic only: money is never a float. */
export function amount(decimal: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim())
  if (!m) return decimal
  const [, sign = '', whole = '0', frac = ''] = m
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const trimmed = frac.replace(/0+$/, '')
  return `${sign}${grouped}${trimmed ? `.${trimmed}` : ''}`
}

/** Stroops (Horizon's fee_charged) → XLM in words: "100" → "0.00001". */
export function stroops(n: string): string {
  if (!/^\d+$/.test(n)) return n
  const s = n.padStart(8, '0')
  return amount(`${s.slice(0, -7)}.${s.slice(-7)}`)
}

/** "native" → XLM; "USDC:G…" → USDC; a contract id stays as it is (shortened where shown). */
export const assetLabel = (key: string): string =>
  key === 'native' || key === 'XLM' ? 'XLM' : (key.split(':')[0] ?? key)

export const money = (decimal: string, asset: string): string => `${amount(decimal)} ${assetLabel(asset)}`

/** A G…/C… key shortened for a heading; the full key is always one click away (copy, title). */
export const short = (k: string): string => (k.length > 20 ? `${k.slice(0, 6)}…${k.slice(-6)}` : k)

const OPS: Readonly<Record<string, string>> = {
  payment: 'Send',
  path_payment: 'Swap and send',
  path_payment_strict_send: 'Swap and send',
  path_payment_strict_receive: 'Swap and send',
  create_account: 'Create account',
  merge: 'Close account',
  account_merge: 'Close account',
  offer: 'Trade offer',
  trustline: 'Trust asset',
  change_trust: 'Trust asset',
  create_claimable_balance: 'Send (claimable)',
  contract_call: 'Contract call',
  unknown_call: 'Unknown contract call',
}
/** "create_account" → "Create account"; an unknown kind reads as its words. */
export const opName = (kind: string): string => {
  const known = OPS[kind]
  if (known) return known
  const words = kind.replace(/[_-]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** Tool names and actions in words, for chat steps. */
const TOOLS: Readonly<Record<string, string>> = {
  account_manager: 'Accounts',
  payments: 'Payment',
  trading: 'Trade',
  trustlines: 'Trustline',
  market_data: 'Market data',
  soroban: 'Contract',
  utilities: 'Utility',
}
export const toolName = (name: string): string => TOOLS[name] ?? opName(name)

/**
 * The signer's reason in words: "150 of native is above the approval threshold" → "150 XLM is above your
 * automatic limit". Unknown reasons are shown as they are.
 */
export function reasonText(reason: string): string {
  const m = /^([\d.]+) of (\S+) is above the approval threshold$/.exec(reason)
  return m?.[1] && m[2]
    ? `${money(m[1], m[2])} is above your automatic limit, so it needs your approval.`
    : reason
}

const SENTENCES: Readonly<Record<string, string>> = {
  ERR_ACCOUNT_EXISTS: 'That account already exists.',
  ERR_ACCOUNT_NOT_FOUND: 'That account is not on the network yet: fund it first.',
  ERR_ACCOUNT_SECRET_INVALID:
    'That is not a valid Stellar secret key (it starts with S and has 56 characters).',
  ERR_APPROVAL_EXPIRED: 'This approval has expired. Ask again to make a new one.',
  ERR_APPROVAL_INVALID: 'This approval was already decided.',
  ERR_APPROVAL_REQUIRED: 'This needs your approval.',
  ERR_AUTH_INVALID: 'The passkey check did not pass. Try again.',
  ERR_AUTH_REAUTH_REQUIRED: 'Confirm with your passkey first.',
  ERR_AUTH_REQUIRED: 'Please sign in again.',
  ERR_AUTH_RECOVERY_LOCKED: 'Too many wrong recovery codes. Wait a while and try again.',
  ERR_AUTH_LAST_PASSKEY: 'This is your only passkey: add another before removing it.',
  ERR_RATE_LIMITED: 'Too many requests. Wait a moment and try again.',
  ERR_RATE_LIMIT_UNAVAILABLE: 'The server cannot check request limits right now. Try again shortly.',
  ERR_POLICY_DAILY_CAP: 'This would go over your daily limit.',
  ERR_POLICY_TX_CAP: 'This is more than your limit for one transaction.',
  ERR_POLICY_DESTINATION: 'Your policy does not allow sending to that address.',
  ERR_POLICY_OPERATION: 'Your policy does not allow this kind of operation.',
  ERR_POLICY_FEE: 'The network fee is above what your policy allows.',
  ERR_SIGNER_UNAVAILABLE: 'The signing service is unavailable. Nothing was sent; try again shortly.',
  ERR_SIGNER_UNTRUSTED: 'The signing service could not prove what code it runs, so nothing was signed.',
  ERR_SIGNER_ROLLED_BACK:
    'The signing service’s records went back to an older state, so it is not trusted and nothing was signed. Try again later.',
  ERR_SIGNER_STORE_TAMPERED:
    'The signing service found its stored records altered and refused them, so nothing was signed. It stays refused until the operator looks into it.',
  ERR_TOOL_INPUT: 'The assistant asked for something malformed. Rephrase and try again.',
  ERR_TX_SIMULATION_FAILED: 'The network would refuse this transaction, so it was not sent.',
  ERR_TX_SUBMIT_FAILED: 'The network refused the transaction. Nothing was sent.',
  ERR_TX_INVALID: 'That is not a valid signed transaction.',
  ERR_TX_NETWORK_MISMATCH: 'That transaction was signed for another network.',
  ERR_UPSTREAM_UNAVAILABLE: 'The Stellar network service is unavailable right now. Try again shortly.',
  ERR_UPSTREAM_TIMEOUT: 'The Stellar network service did not answer in time. Try again.',
  ERR_LLM_NOT_CONFIGURED: 'The assistant is not configured on this server.',
  ERR_LLM_UNAVAILABLE: 'The assistant is unavailable right now. Try again shortly.',
  ERR_VALIDATION: 'Some of what was entered is not valid.',
  ERR_NOT_FOUND: 'Not found.',
}

/** An error code in a sentence, or undefined where the server's own message is the best we have. */
export const sentence = (code: string): string | undefined =>
  // Own keys only: a code such as "constructor" must not find Object.prototype's members.
  Object.hasOwn(SENTENCES, code) ? SENTENCES[code] : undefined

/** Relative-free, locale date and time for lists and expiry. */
export const when = (iso: string): string => {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}
