/**
 * The web client in real Chromium (Debian's, via playwright-core) against the whole local stack: the edge
 * in workerd serving the page from Workers Static Assets, the mTLS signer, redis, and the Horizon and
 * scripted-model stand-ins. Passkeys come from the DevTools virtual authenticator. Screenshots of the main
 * screens go to test-results/browser/ (git-ignored). Page weight and time to interactive are printed.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { Keypair, TransactionBuilder } from '@stellar/stellar-sdk/base'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPasskeyAuthenticator, launch, type Session } from './support/chromium.ts'
import { type LocalStack, ROOT, startLocalStack } from './support/local-stack.ts'

const SHOTS = join(ROOT, 'test-results/browser')
const EMAIL = `alice.${Date.now()}@example.com`

let stack: LocalStack
let session: Session
let page: Page
const assetBytes = new Map<string, Buffer>()

const shot = (name: string, p: Page = page) =>
  p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true })

/** A same-origin JSON call from inside the page, so it carries the session cookie. */
async function inPage<T>(path: string, method = 'GET'): Promise<T> {
  return page.evaluate(
    async ([p, m]) => {
      const r = await fetch(p, { method: m, credentials: 'same-origin' })
      return r.json()
    },
    [path, method] as const,
  ) as Promise<T>
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  stack = await startLocalStack()
  session = await launch()
  page = session.page
  page.on('response', async (res) => {
    const url = new URL(res.url())
    if (/^\/assets\/.+\.(js|css)$/.test(url.pathname)) assetBytes.set(url.pathname, await res.body())
  })
  await addPasskeyAuthenticator(page)
}, 120_000)

afterAll(async () => {
  await session?.close()
  await stack?.stop()
})

describe('web client in Chromium', () => {
  it('is served by the Worker under the strict CSP, and reports page weight and time to interactive', async () => {
    const res = await page.goto(stack.url)
    expect(res?.status()).toBe(200)
    const csp = res?.headers()['content-security-policy'] ?? ''
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    await page.waitForSelector('body[data-ready="true"]')
    await expect(page.getByRole('heading', { name: 'Create an account' }).isVisible()).resolves.toBe(true)
    const tti = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      const mark = performance.getEntriesByName('tuxedo:interactive')[0]
      return { interactive: mark?.startTime ?? -1, domContentLoaded: nav?.domContentLoadedEventEnd ?? -1 }
    })
    const sizes = [...assetBytes].map(([path, body]) => ({
      path,
      raw: body.length,
      gzip: gzipSync(body, { level: 9 }).length,
    }))
    const total = (kind: string) => sizes.filter((s) => s.path.endsWith(kind)).reduce((n, s) => n + s.gzip, 0)
    console.log(
      `web client: JS ${(total('.js') / 1024).toFixed(1)} KiB gzip, CSS ${(total('.css') / 1024).toFixed(1)} KiB gzip ` +
        `(raw ${sizes.map((s) => `${s.path} ${(s.raw / 1024).toFixed(1)} KiB`).join(', ')}); ` +
        `time to interactive ${tti.interactive.toFixed(0)} ms (DOMContentLoaded ${tti.domContentLoaded.toFixed(0)} ms); ` +
        `chromium launch ${session.launchMs.toFixed(0)} ms`,
    )
    expect(total('.js')).toBeGreaterThan(0)
    // Issue 17's budget: the first page's JS stays at the 12.2 KiB gzip it was before the issue (the build
    // before the split loaded 15,123 B here). Accounts, the money cards, WebAuthn, HPKE and Freighter are
    // chunks fetched on first use, and none of them is requested by this screen.
    expect(total('.js')).toBeLessThanOrEqual(12_493)
    expect(total('.js') + total('.css')).toBeLessThan(60 * 1024)
    expect(tti.interactive).toBeGreaterThan(0)
    await shot('01-signed-out')
    // Hashed assets are immutable for a year; the page itself is revalidated; unknown paths are JSON 404s.
    const [js] = [...assetBytes.keys()].filter((k) => k.endsWith('.js'))
    const asset = await fetch(`${stack.url}${js}`)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect((await fetch(stack.url)).headers.get('cache-control')).toBe('no-cache')
    expect((await fetch(`${stack.url}/assets/missing-0000.js`)).status).toBe(404)
  })

  it('signs up with a passkey and shows the recovery codes once, behind "I saved them"', async () => {
    await page.getByLabel('Email', { exact: true }).first().fill(EMAIL)
    await page.getByRole('button', { name: 'Create account with a passkey' }).click()
    const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem')
    await codes.first().waitFor()
    expect(await codes.count()).toBe(8)
    await shot('02-recovery-codes')
    const go = page.getByRole('button', { name: 'Continue' })
    expect(await go.isDisabled()).toBe(true)
    await page.getByLabel('I saved them somewhere safe').check()
    await go.click()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    expect(await page.locator('.who').textContent()).toBe(EMAIL)
    // The session is the HttpOnly cookie: nothing readable by script, nothing in storage.
    expect(await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length])).toEqual([
      '',
      0,
      0,
    ])
    expect((await session.context.cookies()).find((c) => c.name === 'tuxedo_session')?.httpOnly).toBe(true)
  })

  it('a signed-in cold load requests the app chunks before the session answer arrives', async () => {
    // A fresh context (empty cache) holding only this user's session cookie.
    const cold = await session.browser.newContext({ viewport: { width: 1280, height: 800 } })
    await cold.addCookies(await session.context.cookies())
    const p = await cold.newPage()
    // Playwright's events in the order the browser reports them: request sent, response headers received.
    const events: string[] = []
    p.on('request', (r) => events.push(`request ${new URL(r.url()).pathname}`))
    p.on('response', (r) => events.push(`response ${new URL(r.url()).pathname}`))
    try {
      await p.goto(stack.url)
      await p.getByRole('button', { name: 'Sign out' }).waitFor()
      const chunks = (
        (await p.locator('meta[name="tuxedo-app-chunks"]').getAttribute('content')) ?? ''
      ).split(' ')
      expect(chunks.length).toBeGreaterThan(0)
      const answered = events.indexOf('response /auth/session')
      expect(answered).toBeGreaterThan(0)
      // Each app chunk was asked for (once) before the session answer came back: no round trip waits on it.
      for (const chunk of chunks) {
        expect(events.filter((e) => e === `request ${chunk}`)).toHaveLength(1)
        expect(events.indexOf(`request ${chunk}`)).toBeLessThan(answered)
      }
    } finally {
      await cold.close()
    }
  })

  it('creates and funds an account; the balance appears', async () => {
    await page.getByRole('tab', { name: 'Accounts' }).click()
    await page.getByRole('form', { name: 'Create account' }).getByLabel('Name (optional)').fill('Savings')
    await page.getByRole('button', { name: 'Create account', exact: true }).click()
    const card = page.locator('article.account').filter({ hasText: 'Savings' })
    await card.getByRole('button', { name: 'Fund with test XLM' }).click()
    await card.locator('.balances').getByText('XLM').waitFor()
    expect(await card.locator('.balances').textContent()).toBe('10,000 XLM')
    await shot('03-accounts')
  })

  it('chats: the answer streams in and a tool step appears, expandable', async () => {
    const key = `browser-list-${Date.now()}`
    stack.standIns.model.script(key, [
      {
        toolCalls: [
          { name: 'account_manager', arguments: { action: 'list', account: null, name: null, limit: null } },
        ],
      },
      { text: 'You have one account, Savings, holding 10,000 XLM.' },
    ])
    await page.getByRole('tab', { name: 'Chat' }).click()
    // Count separate text insertions into the assistant bubble: more than one means it streamed.
    await page.evaluate(() => {
      const w = window as unknown as { deltas: number }
      w.deltas = 0
      new MutationObserver((records) => {
        for (const r of records)
          if (r.target instanceof HTMLElement && r.target.classList.contains('assistant'))
            w.deltas += r.addedNodes.length
      }).observe(document.body, { childList: true, subtree: true })
    })
    await page.getByLabel('Message').fill(`[script:${key}] what accounts do I have?`)
    await page.getByLabel('Message').press('Enter')
    const step = page.locator('details.step[data-tool="account_manager"]')
    await step.waitFor()
    await page.locator('.msg.assistant').getByText('holding 10,000 XLM').waitFor()
    expect(await step.getAttribute('class')).toContain('ok')
    expect(await step.locator('summary').textContent()).toContain('Accounts · list')
    await step.locator('summary').click()
    expect(await step.locator('pre').last().textContent()).toContain('10000.0000000')
    expect(await page.evaluate(() => (window as unknown as { deltas: number }).deltas)).toBeGreaterThan(1)
    // The thread is in the sidebar, loaded from the server.
    await page.getByRole('list', { name: 'Threads' }).getByRole('button').first().waitFor()
    await shot('04-chat')
  })

  it('a payment above the approval threshold shows the preview; Approve with the passkey lands it on the ledger', async () => {
    const { accounts } = await inPage<{ accounts: { accountId: string; publicKey: string }[] }>(
      '/api/accounts',
    )
    const from = accounts[0]
    if (!from) throw new Error('no account')
    const dest = Keypair.random().publicKey()
    await fetch(`${stack.standIns.horizon.friendbotUrl}?addr=${dest}`)
    const key = `browser-pay-${Date.now()}`
    const send = {
      action: 'send',
      from: from.accountId,
      to: dest,
      amount: '50',
      asset_code: null,
      asset_issuer: null,
      dest_asset_code: null,
      dest_asset_issuer: null,
      max_slippage_percent: null,
      memo: null,
    }
    stack.standIns.model.script(key, [
      { toolCalls: [{ name: 'payments', arguments: send }] },
      { text: 'That payment needs your approval.' },
    ])
    await page.getByRole('button', { name: 'New chat' }).click()
    await page.getByLabel('Message').fill(`[script:${key}] send 50 XLM to ${dest}`)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const card = page.locator('section.approval')
    await card.getByRole('button', { name: 'Approve with passkey' }).waitFor()
    // The preview comes from the signer's record and the edge's simulation: amount, fee, what is left.
    expect(await card.textContent()).toContain(`50 XLM to ${dest}`)
    expect(await card.textContent()).toContain('Network fee')
    await shot('05-approval')
    await card.getByRole('button', { name: 'Approve with passkey' }).click()
    await page.locator('section.approval[data-status="submitted"]').waitFor()
    const { approvals } = await inPage<{ approvals: { status: string; amounts: Record<string, string> }[] }>(
      '/api/approvals',
    )
    // Approving signs exactly that transaction and submits it: the payment is in the stand-in's ledger,
    // and the approval is spent.
    expect(approvals.map((a) => a.status)).toContain('used')
    expect(stack.standIns.horizon.ledger.balances(dest)?.native).toBe('10050.0000000')
  })

  it('signs out, then signs back in with the passkey', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor()
    expect((await session.context.cookies()).find((c) => c.name === 'tuxedo_session')?.value ?? '').toBe('')
    await page.getByRole('form', { name: 'Sign in' }).getByLabel(/Email/).fill(EMAIL)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    expect(await page.locator('.who').textContent()).toBe(EMAIL)
    await shot('06-signed-in-again')
  })

  /** The account imported below: its key is known here, so a test can play the user's own wallet. */
  const walletKey = Keypair.random()

  it('imports a typed secret after a passkey check, and exports it behind a warning and a passkey check', async () => {
    const kp = walletKey
    await fetch(`${stack.standIns.horizon.friendbotUrl}?addr=${kp.publicKey()}`)
    await page.getByRole('tab', { name: 'Accounts' }).click()
    const form = page.getByRole('form', { name: 'Import account' })
    await form.getByLabel('Name (optional)').fill('Imported')
    await form.getByLabel('Secret key (S…)').fill(kp.secret())
    const imported = page.waitForRequest((r) => r.url().endsWith('/api/accounts/import'))
    await form.getByRole('button', { name: 'Verify with passkey and import' }).click()
    // The secret goes to /api/accounts/import sealed (HPKE, to the attested signer) and nowhere else in clear,
    // and the field is cleared. With the passkey assertion as `proof`: the signer checks it against the
    // sealed payload's digest itself.
    const sent = (await imported).postData() ?? ''
    expect(sent).not.toContain(kp.secret())
    expect(JSON.parse(sent)).toEqual({
      sealed: { enc: expect.any(String), ciphertext: expect.any(String) },
      name: 'Imported',
      proof: { assertion: expect.any(Object) },
    })
    const card = page.locator(`article.account[data-account="${kp.publicKey()}"]`)
    await card.waitFor()
    expect(await form.getByLabel('Secret key (S…)').inputValue()).toBe('')

    await card.getByRole('button', { name: 'Export secret…' }).click()
    const dialog = page.getByRole('dialog', { name: 'Export secret key' })
    expect(await dialog.getByRole('alert').textContent()).toContain('can take everything')
    await dialog.getByLabel(/I understand/).check()
    const exported = page.waitForResponse((r) => r.url().endsWith('/export'))
    await dialog.getByRole('button', { name: 'Verify with passkey and show' }).click()
    // The seed comes back sealed to a key made in the page: the wire carries no seed.
    expect(await (await exported).text()).not.toMatch(/S[A-Z2-7]{55}/)
    await dialog.locator('pre.secret').waitFor()
    expect(await dialog.locator('pre.secret').textContent()).toBe(kp.secret())
    await shot('07-export')
    await dialog.getByRole('button', { name: 'Close' }).click()
    expect(await page.locator('pre.secret').count()).toBe(0)
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0)
  })

  it('external-wallet mode: the unsigned transaction is signed outside the page, pasted back, and lands', async () => {
    const { accounts } = await inPage<{ accounts: { accountId: string; publicKey: string }[] }>(
      '/api/accounts',
    )
    const from = accounts.find((a) => a.publicKey === walletKey.publicKey())
    if (!from) throw new Error('the imported account is missing')
    const dest = Keypair.random().publicKey()
    await fetch(`${stack.standIns.horizon.friendbotUrl}?addr=${dest}`)
    const key = `browser-external-${Date.now()}`
    stack.standIns.model.script(key, [
      {
        toolCalls: [
          {
            name: 'payments',
            arguments: {
              action: 'send',
              from: from.accountId,
              to: dest,
              amount: '7',
              asset_code: null,
              asset_issuer: null,
              dest_asset_code: null,
              dest_asset_issuer: null,
              max_slippage_percent: null,
              memo: null,
            },
          },
        ],
      },
      { text: 'Sign it in your wallet.' },
    ])
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('button', { name: 'New chat' }).click()
    await page.getByLabel('Message').fill(`[script:${key}] send 7 XLM to ${dest}`)
    const own = page.getByLabel('Sign with my own wallet')
    await own.check()
    expect(await own.isChecked()).toBe(true)
    await page.getByRole('button', { name: 'Send', exact: true }).click()
    const card = page.locator('section.wallet')
    await card.waitFor()
    // No Freighter extension in this browser: the card says so instead of offering a button that cannot work.
    await card.getByText('Freighter is not installed here').waitFor()
    // Nothing was signed by the signer: the page holds an unsigned envelope for the user's own wallet.
    const unsigned = (await card.locator('pre.xdr').textContent()) ?? ''
    const tx = TransactionBuilder.fromXDR(unsigned, stack.standIns.passphrase)
    expect(tx.signatures).toHaveLength(0)
    tx.sign(walletKey)
    await card.locator('textarea[name="signed"]').fill(tx.toXDR())
    await card.getByRole('button', { name: 'Submit signed transaction' }).click()
    await card.locator('.receipt').filter({ hasText: 'Sent 7 XLM' }).waitFor()
    expect(stack.standIns.horizon.ledger.balances(dest)?.native).toBe('10007.0000000')
    await shot('08-external-wallet')
    await page.getByLabel('Sign with my own wallet').uncheck()
  })

  it('reloads signed in: time to interactive with a warm Worker', async () => {
    await page.reload()
    await page.waitForSelector('body[data-ready="true"]')
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    const tti = await page.evaluate(
      () => performance.getEntriesByName('tuxedo:interactive')[0]?.startTime ?? -1,
    )
    console.log(`web client: time to interactive, warm, signed in: ${tti.toFixed(0)} ms`)
    expect(tti).toBeGreaterThan(0)
    expect(tti).toBeLessThan(5_000)
  })

  it('fits a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await page.getByRole('tab', { name: 'Accounts' }).click()
    await page.locator('article.account').first().waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)
    expect(overflow).toBe(false)
    await shot('08-phone-accounts')
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('list', { name: 'Threads' }).getByRole('button').first().waitFor()
    await shot('09-phone-chat')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false)
    await shot('09b-phone-signed-out')
  })
})
