/**
 * Steps the browser tests share: sign up with the virtual passkey, create and fund a named account, and
 * script the model to make one payments call (the stand-in model answers `[script:KEY]` conversations with
 * the queued turns), so a test drives the real chat → signer → Horizon path from the page.
 */
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import type { LocalStack } from './local-stack.ts'
import { ROOT } from './local-stack.ts'

export const SHOTS = join(ROOT, 'test-results/browser')

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })

/** A same-origin JSON call from inside the page, so it carries the session cookie. */
export async function inPage<T>(page: Page, path: string, method = 'GET'): Promise<T> {
  return page.evaluate(
    async ([p, m]) => {
      const r = await fetch(p, { method: m, credentials: 'same-origin' })
      return r.json()
    },
    [path, method] as const,
  ) as Promise<T>
}

export async function signUp(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url)
  await page.waitForSelector('body[data-ready="true"]')
  await page.getByLabel('Email', { exact: true }).first().fill(email)
  await page.getByRole('button', { name: 'Create account with a passkey' }).click()
  await page.getByLabel('I saved them somewhere safe').check()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.getByRole('button', { name: 'Sign out' }).waitFor()
}

export type Acct = { accountId: string; publicKey: string; name: string | null }

export async function fundedAccount(page: Page, name: string): Promise<Acct> {
  await page.getByRole('tab', { name: 'Accounts' }).click()
  await page.getByRole('form', { name: 'Create account' }).getByLabel('Name (optional)').fill(name)
  await page.getByRole('button', { name: 'Create account', exact: true }).click()
  const card = page.locator('article.account').filter({ hasText: name })
  await card.getByRole('button', { name: 'Fund with test XLM' }).click()
  await card.locator('.balances').getByText('XLM').waitFor()
  const { accounts } = await inPage<{ accounts: Acct[] }>(page, '/api/accounts')
  const a = accounts.find((x) => x.name === name)
  if (!a) throw new Error(`no account ${name}`)
  return a
}

export const sendArgs = (from: string, to: string, amount: string) => ({
  action: 'send',
  from,
  to,
  amount,
  asset_code: null,
  asset_issuer: null,
  dest_asset_code: null,
  dest_asset_issuer: null,
  max_slippage_percent: null,
  memo: null,
})

/**
 * Queues one payments call and a closing answer; returns the message that triggers it. The model keys a
 * conversation by its first message, so a later turn in the same thread passes that thread's `key`.
 */
export function scriptPayment(
  stack: LocalStack,
  args: Record<string, unknown>,
  answer: string,
  key = `pay-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
): { message: string; key: string } {
  stack.standIns.model.script(key, [{ toolCalls: [{ name: 'payments', arguments: args }] }, { text: answer }])
  return { message: `${answer} [script:${key}]`, key }
}

/** Sends a chat message and waits until the turn is over (the Send button is enabled again). */
export async function say(page: Page, message: string): Promise<void> {
  await page.getByLabel('Message').fill(message)
  await page.getByRole('button', { name: 'Send', exact: true }).click()
  await page.waitForFunction(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent === 'Send')
    return b !== undefined && !b.disabled
  })
}

export async function newFriendbotAccount(stack: LocalStack, publicKey: string): Promise<void> {
  const r = await fetch(`${stack.standIns.horizon.friendbotUrl}?addr=${publicKey}`)
  if (!r.ok) throw new Error(`friendbot: ${r.status}`)
}
