/**
 * The dashboard's entry module: signs in with a token (kept in this tab's sessionStorage), then shows the
 * activity timeline, the record viewer and the tool list. The token's claims are decoded here only to show
 * who is signed in and to spot an expired token early; the Worker verifies every request, and its 401 is
 * what sends the page back to sign-in.
 */
import { createApi } from './api.ts'
import { createBanner } from './banner.ts'
import { decodeClaims, isExpired, type DisplayClaims } from './claims.ts'
import { byId } from './dom.ts'
import { createRecordViewer } from './record-viewer.ts'
import { forgetToken, signedOutOnPurpose, storedToken, storeToken } from './session.ts'
import { createSignIn } from './sign-in.ts'
import { createTimeline } from './timeline.ts'
import { createToolsView } from './tools-view.ts'

/** setTimeout's longest delay; a later expiry is left to the Worker's 401. */
const MAX_TIMER_MS = 2 ** 31 - 1

type View = 'activity' | 'tools'

function start(): void {
  const boot = byId('boot', HTMLElement)
  const workspace = byId('workspace', HTMLElement)
  const identity = byId('identity', HTMLElement)
  const activityTitle = byId('activity-title', HTMLHeadingElement)
  const tabs: Record<View, { tab: HTMLButtonElement; panel: HTMLElement }> = {
    activity: { tab: byId('tab-activity', HTMLButtonElement), panel: byId('activity-view', HTMLElement) },
    tools: { tab: byId('tab-tools', HTMLButtonElement), panel: byId('tools-view', HTMLElement) },
  }
  const devTokenUrl = document.body.dataset.devToken ?? null

  const api = createApi(storedToken)
  const banner = createBanner(byId('banner', HTMLElement), () => timeline.refreshNow())
  const viewer = createRecordViewer(api, (reason) => refused(reason))
  const tools = createToolsView(api)
  const timeline = createTimeline({
    api,
    list: byId('timeline', HTMLOListElement),
    state: byId('timeline-state', HTMLElement),
    loadOlder: byId('load-older', HTMLButtonElement),
    olderStatus: byId('older-status', HTMLElement),
    live: byId('live-status', HTMLElement),
    banner,
    onUnauthorized: (reason) => refused(reason),
    onOpenRecord: (path) => viewer.open(path),
  })
  const signIn = createSignIn({
    onToken: (token) => enter(token, { focus: true }),
    devToken: devTokenUrl === null ? null : () => void useDevToken(devTokenUrl, { focus: true }),
  })
  let expiryTimer: ReturnType<typeof setTimeout> | undefined

  byId('sign-out', HTMLButtonElement).addEventListener('click', () => leave({ text: 'Signed out. The token was removed from this tab.', tone: 'info' }, { onPurpose: true }))
  byId('refresh', HTMLButtonElement).addEventListener('click', () => timeline.refreshNow())
  for (const view of Object.keys(tabs) as View[]) tabs[view].tab.addEventListener('click', () => select(view))

  function select(view: View): void {
    for (const [name, { tab, panel }] of Object.entries(tabs)) {
      tab.setAttribute('aria-pressed', String(name === view))
      panel.hidden = name !== view
    }
    if (view === 'tools') tools.show()
  }

  function enter(token: string, options: { focus: boolean }): void {
    boot.hidden = true
    const claims = decodeClaims(token)
    if (claims === null) {
      forgetToken({ onPurpose: false })
      signIn.show({ text: 'That is not an Accelerando token: expected a JWT with tenant, name, email and scope claims.', tone: 'error' })
      if (options.focus) signIn.focus()
      return
    }
    if (isExpired(claims, Date.now())) {
      forgetToken({ onPurpose: false })
      signIn.show({ text: `This token expired ${new Date(claims.exp * 1000).toLocaleString()}. Mint a new one and paste it here.`, tone: 'error' })
      if (options.focus) signIn.focus()
      return
    }
    storeToken(token)
    showIdentity(claims)
    signIn.hide()
    workspace.hidden = false
    select('activity')
    timeline.start()
    if (options.focus) activityTitle.focus()
    const untilExpiry = claims.exp * 1000 - Date.now()
    if (expiryTimer !== undefined) clearTimeout(expiryTimer)
    expiryTimer = untilExpiry < MAX_TIMER_MS ? setTimeout(() => leave({ text: 'Your token has expired. Paste a new one to carry on.', tone: 'error' }, { onPurpose: false }), untilExpiry) : undefined
  }

  function refused(reason: string): void {
    leave({ text: `The Worker refused the token (${reason}). Sign in again.`, tone: 'error' }, { onPurpose: false })
  }

  function leave(message: { text: string; tone: 'error' | 'info' }, options: { onPurpose: boolean }): void {
    if (expiryTimer !== undefined) clearTimeout(expiryTimer)
    timeline.stop()
    viewer.close()
    forgetToken(options)
    identity.hidden = true
    workspace.hidden = true
    boot.hidden = true
    signIn.show(message)
    signIn.focus()
  }

  function showIdentity(claims: DisplayClaims): void {
    byId('identity-tenant', HTMLElement).textContent = claims.tenant
    const actor = byId('identity-actor', HTMLElement)
    actor.textContent = claims.name
    actor.title = `${claims.email} (${claims.sub}), ${claims.scope} access`
    byId('identity-scope', HTMLElement).textContent = claims.scope
    identity.hidden = false
  }

  async function useDevToken(url: string, options: { focus: boolean }): Promise<void> {
    try {
      const response = await fetch(url, { cache: 'no-store' })
      if (!response.ok) throw new Error(`${response.status}`)
      const { token } = (await response.json()) as { token?: unknown }
      if (typeof token !== 'string') throw new Error('no token in the answer')
      enter(token, options)
    } catch {
      boot.hidden = true
      signIn.show({ text: 'The local development token is not available; paste a token instead.', tone: 'error' })
    }
  }

  const token = storedToken()
  if (token !== null) enter(token, { focus: false })
  else if (devTokenUrl !== null && !signedOutOnPurpose()) void useDevToken(devTokenUrl, { focus: false })
  else {
    boot.hidden = true
    signIn.show()
  }
}

start()
