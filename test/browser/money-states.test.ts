/**
 * Issue 17 in real Chromium against the whole local stack: how clearly the client tells a person what
 * happened to their money. Each `it` names the point of the issue it shows: the dev URL 127.0.0.1 redirects
 * to localhost; words for people; a receipt with amount, destination, fee and ledger; one approval card with
 * the decoded preview, approve-once and a final state; views that survive a tab switch; a reopened thread
 * showing each approval's real state (and a pending one still actionable); errors next to their field,
 * cleared on navigation and sign-out; the external-wallet card's passphrase and Copy XDR; and at 390 px
 * Approve/Reject uncovered (hit-tested element boxes). Screenshots go to test-results/browser/.
 */
import { mkdirSync } from 'node:fs'
import { Keypair, TransactionBuilder } from '@stellar/stellar-sdk/base'
import type { Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addPasskeyAuthenticator, launch, type Session } from './support/chromium.ts'
import {
  type Acct,
  fundedAccount,
  inPage,
  newFriendbotAccount,
  SHOTS,
  say,
  scriptPayment,
  sendArgs,
  shot,
  signUp,
} from './support/flows.ts'
import { type LocalStack, startLocalStack } from './support/local-stack.ts'

const EMAIL = `bea.${Date.now()}@example.com`
let stack: LocalStack
let session: Session
let page: Page
let savings: Acct

const clipboard = () => page.evaluate(() => navigator.clipboard.readText())

/**
 * Every point of the element's box (centre and inset corners) hit-tests to the element itself, with the
 * element scrolled to the bottom edge of the screen and to the top edge (where a fixed bar or a sticky
 * header would sit over it) and in the middle.
 */
const uncovered = (l: Locator) =>
  l.evaluate(async (el) => {
    const clear = () => {
      const r = el.getBoundingClientRect()
      const pts = [
        [r.left + r.width / 2, r.top + r.height / 2],
        [r.left + 3, r.top + 3],
        [r.right - 3, r.top + 3],
        [r.left + 3, r.bottom - 3],
        [r.right - 3, r.bottom - 3],
      ] as const
      const inside = r.left >= 0 && r.right <= window.innerWidth && r.width > 0
      return (
        inside &&
        pts.every(([x, y]) => {
          const hit = document.elementFromPoint(x, y)
          return hit !== null && (hit === el || el.contains(hit))
        })
      )
    }
    const results: boolean[] = []
    for (const block of ['end', 'start', 'center'] as const) {
      el.scrollIntoView({ block })
      await new Promise((r) => requestAnimationFrame(r))
      results.push(clear())
    }
    return results.every(Boolean)
  })

/** The chat tab's panel: the Accounts panel (hidden, kept) may hold the same approval's card. */
const chat = () => page.getByRole('tabpanel', { name: 'Chat' })

const thread = (text: string) =>
  page.getByRole('list', { name: 'Threads' }).getByRole('button').filter({ hasText: text })

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  stack = await startLocalStack()
  session = await launch()
  page = session.page
  await session.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.url })
  await addPasskeyAuthenticator(page)
}, 120_000)

afterAll(async () => {
  await session?.close()
  await stack?.stop()
})

describe('the web client explains money (issue 17)', () => {
  it('(6) the dev URL on 127.0.0.1 redirects to localhost, the RP ID, where sign-up works', async () => {
    const port = new URL(stack.url).port
    const res = await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })
    expect(res.status).toBe(307)
    expect(res.headers.get('location')).toBe(`${stack.url}/`)
    await page.goto(`http://127.0.0.1:${port}/`)
    expect(new URL(page.url()).hostname).toBe('localhost')
    await signUp(page, page.url(), EMAIL)
    expect(await page.locator('.who').textContent()).toBe(EMAIL)
  })

  it('(7, 8) an empty chat offers example prompts; balances, funding and addresses read as words', async () => {
    const examples = page.getByRole('list', { name: 'Example prompts' })
    await examples.waitFor()
    await shot(page, '10-chat-empty-examples')
    await examples.getByRole('button').first().click()
    expect(await page.getByLabel('Message').inputValue()).toContain('What accounts do I have')
    await page.getByLabel('Message').fill('')
    savings = await fundedAccount(page, 'Savings')
    const card = page.locator('article.account').filter({ hasText: 'Savings' })
    expect(await card.locator('.balances').textContent()).toBe('10,000 XLM')
    // The address in full, never cut, with a copy button that copies exactly it.
    expect(await card.locator('.full').textContent()).toBe(savings.publicKey)
    await card.getByRole('button', { name: 'Copy address' }).click()
    expect(await clipboard()).toBe(savings.publicKey)
    const text = (await page.getByRole('tabpanel', { name: 'Accounts' }).textContent()) ?? ''
    expect(text).not.toMatch(/acc_|native|Fund \(testnet\)/)
  })

  it('(8, 4) a payment gets a receipt naming amount, destination, fee and ledger; the activity list has it, in amounts', async () => {
    const dest = Keypair.random().publicKey()
    await newFriendbotAccount(stack, dest)
    await page.getByRole('tab', { name: 'Chat' }).click()
    await say(page, scriptPayment(stack, sendArgs(savings.accountId, dest, '5'), 'Sent five.').message)
    const receipt = chat().locator('.receipt').last()
    await receipt.waitFor()
    const line = (await receipt.locator('.receipt-line').textContent()) ?? ''
    const { transactions } = await inPage<{
      transactions: { hash: string; ledger: number; feeCharged: string }[]
    }>(page, `/api/accounts/${savings.accountId}/transactions?limit=1`)
    const [tx] = transactions
    if (!tx) throw new Error('no transaction')
    expect(line).toBe(
      `Sent 5 XLM to ${dest.slice(0, 6)}…${dest.slice(-6)} · fee 0.00001 XLM · ledger ${tx.ledger}`,
    )
    expect(await receipt.locator('.full').first().textContent()).toBe(dest)
    expect(await receipt.locator('.full').last().textContent()).toBe(tx.hash)
    // The custom network has no public explorer: no link that would lead nowhere.
    expect(await receipt.locator('a.explorer').count()).toBe(0)
    // The step reads in words, with the account's name.
    const step = chat().locator('details.step[data-tool="payments"]').last()
    expect(await step.locator('summary').textContent()).toMatch(/^Payment · sendSavingssent/)
    await shot(page, '11-receipt')
    await page.getByRole('tab', { name: 'Accounts' }).click()
    const savingsCard = page.locator('article.account').filter({ hasText: 'Savings' })
    // The balance the tab shows is fresh: 10,000 − 5 − the 0.00001 fee.
    await savingsCard.locator('.balances').filter({ hasText: '9,994.99999 XLM' }).waitFor()
    const activity = savingsCard.locator('details.activity')
    await activity.locator('summary').click()
    const sent = activity.locator(`li[data-hash="${tx.hash}"]`)
    await sent.waitFor()
    expect(await sent.textContent()).toContain(`ledger ${tx.ledger}`)
    // (4) What moved, in amounts, from Horizon's payments of the account: the payment out, and the
    // friendbot's create_account that funded it, in (grouped by the one amount helper).
    const short = (k: string) => `${k.slice(0, 6)}…${k.slice(-6)}`
    expect(await sent.locator('.moved').allTextContents()).toEqual([`Sent 5 XLM to ${short(dest)}`])
    expect(await sent.locator('.moved').getAttribute('title')).toBe(dest)
    const funding = activity
      .locator('li')
      .filter({ hasNotText: tx.hash.slice(0, 16) })
      .last()
    expect(await funding.locator('.moved.received').textContent()).toMatch(
      /^Received 10,000 XLM from G[A-Z2-7]{5}…[A-Z2-7]{6} \(new account\)$/,
    )
    expect(await activity.locator('.moved').count()).toBe(2)
    await shot(page, '11b-activity')
  })

  it('(1–3, 5) the approval card shows the decoded preview everywhere, survives a tab switch, approves once', async () => {
    const dest = Keypair.random().publicKey()
    await newFriendbotAccount(stack, dest)
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('button', { name: 'New chat' }).click()
    await say(
      page,
      scriptPayment(stack, sendArgs(savings.accountId, dest, '50'), 'Big one needs you.').message,
    )
    const card = chat().locator(`section.approval[data-status="pending"]`).last()
    await card.waitFor()
    const id = await card.getAttribute('data-approval')
    const text = (await card.textContent()) ?? ''
    expect(text).toContain('Approval needed')
    expect(text).toContain('50 XLM is above your automatic limit')
    expect(text).toContain(dest)
    expect(text).toMatch(/Network fee \(at most\)0\.00001 XLM/)
    expect(text).toMatch(/Left after9,944\.99998 XLM/)
    expect(text).toContain('FromSavings')
    await shot(page, '12-approval-pending')

    // (5) Half a message typed, a visit to Accounts, and back: the card and the text are still there.
    await page.getByLabel('Message').fill('and then half a thou')
    await page.getByRole('tab', { name: 'Accounts' }).click()
    // (2) The same card on the Accounts page: destination in full, fee, what is left.
    const there = page.locator(`.approvals section.approval[data-approval="${id}"]`)
    await there.waitFor()
    expect(await there.textContent()).toContain(dest)
    expect(await there.textContent()).toMatch(
      /Network fee \(at most\)0\.00001 XLM.*Left after9,944\.99998 XLM/,
    )
    await shot(page, '13-accounts-approval')
    await page.getByRole('tab', { name: 'Chat' }).click()
    expect(await page.getByLabel('Message').inputValue()).toBe('and then half a thou')
    expect(await card.isVisible()).toBe(true)

    // (3) Approve once: afterwards both buttons stay disabled and a second click asks for nothing.
    let optionCalls = 0
    page.on('request', (r) => {
      if (r.url().endsWith('/options')) optionCalls++
    })
    await card.getByRole('button', { name: 'Approve with passkey' }).click()
    const sent = chat().locator(`section.approval[data-approval="${id}"][data-status="submitted"]`)
    await sent.waitFor()
    expect(await sent.locator('h3').textContent()).toMatch(/^Approved — sent in ledger \d+$/)
    expect(await sent.getByRole('button', { name: 'Approve with passkey' }).isDisabled()).toBe(true)
    expect(await sent.getByRole('button', { name: 'Reject' }).isDisabled()).toBe(true)
    await sent.getByRole('button', { name: 'Approve with passkey' }).click({ force: true })
    expect(optionCalls).toBe(1)
    expect(await sent.locator('.receipt-line').textContent()).toMatch(
      /^Sent 50 XLM to .* · fee 0\.00001 XLM · ledger \d+$/,
    )
    expect(await chat().locator('details.step[data-tool="payments"]').last().getAttribute('data-state')).toBe(
      'submitted',
    )
    expect(stack.standIns.horizon.ledger.balances(dest)?.native).toBe('10050.0000000')
    await page.getByLabel('Message').fill('')
    await shot(page, '14-approval-sent')
  })

  it('(1) a reopened thread shows each approval’s real state, and a pending one can still be approved', async () => {
    const dest = Keypair.random().publicKey()
    await newFriendbotAccount(stack, dest)
    await page.getByRole('button', { name: 'New chat' }).click()
    const first = scriptPayment(stack, sendArgs(savings.accountId, dest, '40'), 'Refuse this one.')
    await say(page, first.message)
    const refused = chat().locator('section.approval[data-status="pending"]').last()
    await refused.getByRole('button', { name: 'Reject' }).click()
    await chat().locator('section.approval[data-status="rejected"]').waitFor()
    expect(await chat().locator('section.approval[data-status="rejected"] h3').textContent()).toBe(
      'Rejected — nothing was sent',
    )
    // A second payment in the same thread, left waiting.
    await say(
      page,
      scriptPayment(stack, sendArgs(savings.accountId, dest, '30'), 'Leave it.', first.key).message,
    )
    await chat().locator('section.approval[data-status="pending"]').last().waitFor()

    // Away and back, and even a reload: the states come from the server, not from this page.
    await page.reload()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await thread('Big one needs you.').click()
    const done = chat().locator('section.approval[data-status="submitted"]')
    await done.waitFor()
    expect(await done.locator('h3').textContent()).toMatch(/^Approved — sent in ledger \d+$/)
    expect(await done.locator('.receipt-line').textContent()).toContain('Sent 50 XLM')
    expect(await chat().locator('details.step[data-tool="payments"]').getAttribute('data-state')).toBe(
      'submitted',
    )
    expect(await chat().locator('details.step[data-tool="payments"] .step-status').textContent()).toBe('sent')

    await thread('Refuse this one.').click()
    await chat().locator('section.approval[data-status="rejected"]').waitFor()
    const waiting = chat().locator('section.approval[data-status="pending"]')
    await waiting.waitFor()
    expect(await chat().locator('section.approval').count()).toBe(2)
    expect(
      await page
        .locator('details.step[data-tool="payments"]')
        .evaluateAll((s) => s.map((e) => (e as HTMLElement).dataset.state)),
    ).toEqual(['rejected', 'pending'])
    await shot(page, '15-history-reopened')
    await waiting.getByRole('button', { name: 'Approve with passkey' }).click()
    await chat().locator('section.approval[data-status="submitted"]').waitFor()
    expect(stack.standIns.horizon.ledger.balances(dest)?.native).toBe('10030.0000000')
  })

  it('(4, 7) an error sits in the form it is about, in words with the code, and clears on navigation and sign-out', async () => {
    await page.getByRole('tab', { name: 'Accounts' }).click()
    const form = page.getByRole('form', { name: 'Import account' })
    const importBad = async () => {
      await form.getByLabel('Secret key (S…)').fill(`S${'A'.repeat(55)}`)
      await form.getByRole('button', { name: 'Verify with passkey and import' }).click()
      await form.getByRole('alert').waitFor()
    }
    await importBad()
    const alert = form.getByRole('alert')
    expect(await alert.locator('.code').textContent()).toMatch(/^ERR_[A-Z_]+: /)
    expect(await page.locator('#status').evaluate((e) => getComputedStyle(e).position)).toBe('absolute')
    await shot(page, '16-error-inline')
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('tab', { name: 'Accounts' }).click()
    expect(await page.locator('.note').count()).toBe(0)
    await importBad()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('form', { name: 'Sign in' }).getByLabel(/Email/).fill(EMAIL)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await page.getByRole('tab', { name: 'Accounts' }).click()
    await page.locator('article.account').first().waitFor()
    expect(await page.locator('.note, [role="alert"]').count()).toBe(0)

    // A tool's engine error reads as a sentence, with the code kept in a details line.
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('button', { name: 'New chat' }).click()
    await say(page, scriptPayment(stack, sendArgs(savings.accountId, 'nope', '1'), 'Bad address.').message)
    const failed = chat().locator('details.step[data-state="failed"]').last()
    await failed.locator('summary').click()
    expect(await failed.locator('.step-body').textContent()).toContain(
      'The assistant asked for something malformed.',
    )
    expect(await failed.locator('.code').textContent()).toMatch(/^ERR_TOOL_INPUT: /)
  })

  it('(9) the external-wallet card shows the passphrase to sign for and copies the XDR; it submits once; its steps are money steps of the thread', async () => {
    const kp = Keypair.random()
    await newFriendbotAccount(stack, kp.publicKey())
    await page.getByRole('tab', { name: 'Accounts' }).click()
    const form = page.getByRole('form', { name: 'Import account' })
    await form.getByLabel('Name (optional)').fill('Own wallet')
    await form.getByLabel('Secret key (S…)').fill(kp.secret())
    await form.getByRole('button', { name: 'Verify with passkey and import' }).click()
    await page.locator(`article.account[data-account="${kp.publicKey()}"]`).waitFor()
    const { accounts } = await inPage<{ accounts: Acct[] }>(page, '/api/accounts')
    const own = accounts.find((a) => a.publicKey === kp.publicKey())
    if (!own) throw new Error('import failed')
    const dest = Keypair.random().publicKey()
    await newFriendbotAccount(stack, dest)
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('button', { name: 'New chat' }).click()
    await page.getByLabel('Sign with my own wallet').check()
    const first = scriptPayment(stack, sendArgs(own.accountId, dest, '7'), 'Sign it yourself.')
    await say(page, first.message)
    // A second one in the same thread before the first is signed: both are built on the same sequence
    // number, so once the first lands the network must refuse the second (tx_bad_seq).
    await say(page, scriptPayment(stack, sendArgs(own.accountId, dest, '2'), 'And this.', first.key).message)
    const cards = chat().locator('section.wallet')
    expect(await cards.count()).toBe(2)
    const card = cards.first()
    expect(await card.locator('.passphrase').textContent()).toBe(stack.standIns.passphrase)
    await card.locator('summary').click()
    await card.getByRole('button', { name: 'Copy XDR' }).click()
    const unsigned = await clipboard()
    expect(unsigned).toBe(await card.locator('pre.xdr').textContent())
    const signed = (xdr: string) => {
      const tx = TransactionBuilder.fromXDR(xdr, stack.standIns.passphrase)
      tx.sign(kp)
      return tx.toXDR()
    }
    await card.locator('textarea[name="signed"]').fill(signed(unsigned))
    await card.getByRole('button', { name: 'Submit signed transaction' }).click()
    await card.locator('.receipt').waitFor()
    expect(await card.locator('.receipt-line').textContent()).toMatch(/^Sent 7 XLM to .* · ledger \d+/)
    expect(await card.locator('h3').textContent()).toMatch(/^Signed in your wallet — sent in ledger \d+$/)
    expect(await card.getByRole('button', { name: 'Submit signed transaction' }).isDisabled()).toBe(true)
    const second = cards.last()
    await second
      .locator('textarea[name="signed"]')
      .fill(signed((await second.locator('pre.xdr').textContent()) ?? ''))
    await second.getByRole('button', { name: 'Submit signed transaction' }).click()
    await second.locator('[role="alert"]').waitFor()
    expect(await second.getAttribute('data-status')).toBe('failed')
    expect(await second.locator('h3').textContent()).toBe('Refused by the network — nothing was sent')
    expect(await second.locator('[role="alert"] .code').textContent()).toContain('tx_bad_seq')
    const states = () =>
      chat()
        .locator('details.step[data-tool="payments"]')
        .evaluateAll((s) => s.map((e) => (e as HTMLElement).dataset.state))
    expect(await states()).toEqual(['submitted', 'failed'])
    await shot(page, '17-external-wallet')
    expect(stack.standIns.horizon.ledger.balances(dest)?.native).toBe('10007.0000000')

    // Reloaded and reopened: the thread says what happened to each, as the server recorded it.
    const { transactions } = await inPage<{ transactions: { hash: string; ledger: number }[] }>(
      page,
      `/api/accounts/${own.accountId}/transactions?limit=1`,
    )
    await page.reload()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    await thread('Sign it yourself.').click()
    const again = chat().locator('section.wallet')
    await again.first().locator('.receipt').waitFor()
    expect(await again.first().getAttribute('data-status')).toBe('submitted')
    expect(await again.first().locator('.receipt .full').last().textContent()).toBe(transactions[0]?.hash)
    expect(await again.first().locator('h3').textContent()).toBe(
      `Signed in your wallet — sent in ledger ${transactions[0]?.ledger}`,
    )
    expect(await again.first().getByRole('button', { name: 'Submit signed transaction' }).isDisabled()).toBe(
      true,
    )
    expect(await again.last().getAttribute('data-status')).toBe('failed')
    expect(await states()).toEqual(['submitted', 'failed'])
    expect(await chat().locator('details.step[data-tool="payments"] .step-status').allTextContents()).toEqual(
      ['sent', 'failed'],
    )
    await shot(page, '18-external-wallet-history')
    await page.getByLabel('Sign with my own wallet').uncheck()
  })

  it('(4, 3) at 390 px nothing covers Approve or Reject, in chat, in history and on Accounts; a decision shows everywhere', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    const dest = Keypair.random().publicKey()
    await newFriendbotAccount(stack, dest)
    await page.getByRole('tab', { name: 'Chat' }).click()
    await page.getByRole('button', { name: 'New chat' }).click()
    await say(page, scriptPayment(stack, sendArgs(savings.accountId, dest, '60'), 'On the phone.').message)
    const card = chat().locator('section.approval[data-status="pending"]').last()
    await card.waitFor()
    for (const name of ['Approve with passkey', 'Reject'])
      expect(await uncovered(card.getByRole('button', { name }))).toBe(true)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await shot(page, '20-phone-approval')
    await page.getByRole('tab', { name: 'Accounts' }).click()
    const there = page.locator('.approvals section.approval').first()
    await there.waitFor()
    for (const name of ['Approve with passkey', 'Reject'])
      expect(await uncovered(there.getByRole('button', { name }))).toBe(true)
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await shot(page, '21-phone-accounts')
    // (3) Approved here, the same approval's card in the kept chat view follows: no button left to press.
    const id = await there.getAttribute('data-approval')
    await there.getByRole('button', { name: 'Approve with passkey' }).click()
    await page
      .locator(`.approvals section.approval[data-approval="${id}"][data-status="submitted"]`)
      .waitFor()
    await page.getByRole('tab', { name: 'Chat' }).click()
    const mirrored = chat().locator(`section.approval[data-approval="${id}"]`)
    expect(await mirrored.getAttribute('data-status')).toBe('submitted')
    expect(await mirrored.getByRole('button', { name: 'Approve with passkey' }).isDisabled()).toBe(true)
    expect(await mirrored.locator('h3').textContent()).toMatch(/^Approved — sent in ledger \d+$/)
    await thread('Big one needs you.').click()
    // That thread's own card (the one just approved above is in the log until the thread loads).
    await chat()
      .locator('section.approval[data-status="submitted"]')
      .filter({ hasText: 'Sent 50 XLM' })
      .waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await shot(page, '22-phone-history')
    // The activity list on the phone: amounts in words, nothing wider than the screen.
    await page.getByRole('tab', { name: 'Accounts' }).click()
    const activity = page
      .locator('article.account')
      .filter({ hasText: 'Savings' })
      .locator('details.activity')
    if ((await activity.getAttribute('open')) === null) await activity.locator('summary').click()
    await activity.locator('.moved').first().waitFor()
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
    await activity.scrollIntoViewIfNeeded()
    await shot(page, '23-phone-activity')
  })
})
