/**
 * Debian's Chromium driven by playwright-core (no browser download), with a CTAP2 platform authenticator
 * from the DevTools WebAuthn domain: resident keys and user verification, so passkeys work headless.
 * HOME and XDG_CONFIG_HOME point at a temp dir so Chromium writes nothing into the user's profile.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export function chromiumPath(): string {
  return execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  }).trim()
}

export type Session = {
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  readonly launchMs: number
  close(): Promise<void>
}

export async function launch(viewport = { width: 1280, height: 800 }): Promise<Session> {
  const home = mkdtempSync(join(tmpdir(), 'tuxedo-chromium-'))
  const t0 = performance.now()
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ARGS,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
  })
  const launchMs = performance.now() - t0
  const context = await browser.newContext({ viewport })
  const page = await context.newPage()
  return {
    browser,
    context,
    page,
    launchMs,
    async close() {
      await browser.close()
      rmSync(home, { recursive: true, force: true })
    },
  }
}

/** Adds a virtual passkey authenticator to the page; it keeps its credentials for the page's lifetime. */
export async function addPasskeyAuthenticator(page: Page): Promise<string> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  return authenticatorId
}
