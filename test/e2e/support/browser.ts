/**
 * The system Chromium (Debian's `chromium`, which `.ci/run` installs when it is missing) driven by
 * playwright-core, headless, with a fresh profile. A machine without it fails the browser tests: they are
 * the dashboard's acceptance, so they must never be skipped quietly.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type BrowserContextOptions, type ConsoleMessage, type Page } from 'playwright-core'
import { ROOT } from './dev-stack.ts'

export const CHROMIUM = process.env.ACCELERANDO_CHROMIUM ?? '/usr/bin/chromium'

/** Quiet and self-contained: no first-run UI, no background fetches, no GPU on a headless CI machine. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Where screenshots go (git-ignored); CI keeps `.artifacts/` for people to look at. */
export const SCREENSHOT_DIR = join(ROOT, '.artifacts', 'dashboard')

export interface Browser {
  context: BrowserContext
  close(): Promise<void>
}

export async function launchBrowser(options: BrowserContextOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium; .ci/run does) or set ACCELERANDO_CHROMIUM`)
  const profile = mkdtempSync(join(tmpdir(), 'accelerando-chromium-'))
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...options })
    return {
      context,
      async close() {
        await context.close()
        rmSync(profile, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
}

/** Everything the page reports as an error: console errors (CSP violations among them) and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`))
  return errors
}

export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path, fullPage: options.fullPage ?? true, animations: 'disabled' })
  return path
}
