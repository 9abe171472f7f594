/**
 * The activity timeline: the tenant's commit entries, newest first, each with its status pill and its files.
 * Entries are keyed by oid and updated in place, so a refresh turns a pill green without moving the keyboard
 * focus or closing what the operator opened.
 */
import { NetworkError, UnauthorizedError, type Api } from './api.ts'
import type { Banner } from './banner.ts'
import { el, setState } from './dom.ts'
import { commitUrl, recordPath, relativeTime, shortId, shortSha } from './format.ts'
import { createPoller, type Poller } from './poller.ts'
import type { ActivityEntry } from './types.ts'

const REFRESH_MS = 4000
const MAX_BACKOFF_MS = 30_000
const PAGE_SIZE = 25
/** The Worker's largest page: a refresh re-reads at most this many of the newest entries. */
const MAX_LIMIT = 100

export interface TimelineOptions {
  api: Api
  list: HTMLOListElement
  state: HTMLElement
  loadOlder: HTMLButtonElement
  olderStatus: HTMLElement
  live: HTMLElement
  banner: Banner
  onUnauthorized: (message: string) => void
  onOpenRecord: (path: string) => void
}

export interface Timeline {
  start(): void
  stop(): void
  refreshNow(): void
}

interface EntryView {
  root: HTMLLIElement
  update(entry: ActivityEntry, now: number): void
}

export function createTimeline(options: TimelineOptions): Timeline {
  const { api, list, loadOlder, olderStatus, live, banner } = options
  let entries: ActivityEntry[] = []
  let cursor: string | null = null
  let loaded = false
  let lastError = ''
  const views = new Map<string, EntryView>()

  async function tick(): Promise<boolean> {
    try {
      const limit = Math.min(MAX_LIMIT, Math.max(PAGE_SIZE, entries.length))
      const page = await api.activity({ limit })
      mergeNewest(page.entries, page.next_cursor)
      loaded = true
      banner.clear()
      live.textContent = `Live · updated ${new Date().toLocaleTimeString()}`
      live.dataset.state = 'live'
      render()
      return true
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        options.onUnauthorized(error.message)
        return true
      }
      lastError = error instanceof NetworkError ? 'The Worker cannot be reached.' : `The Worker answered: ${(error as Error).message}`
      live.textContent = 'Offline'
      live.dataset.state = 'offline'
      if (!loaded) setState(options.state, { tone: 'error', title: 'The activity could not be loaded.', detail: lastError })
      return false
    }
  }

  /**
   * A refresh re-reads the newest entries. When more than a refresh can read are on screen, the older ones are
   * kept (and the cursor that follows them), as they were when loaded.
   */
  function mergeNewest(newest: ActivityEntry[], nextCursor: string | null): void {
    if (entries.length <= MAX_LIMIT) {
      entries = newest
      cursor = nextCursor
      return
    }
    const seen = new Set(newest.map((entry) => entry.oid))
    const lastShown = newest.at(-1)
    const from = lastShown === undefined ? 0 : entries.findIndex((entry) => entry.oid === lastShown.oid) + 1
    entries = [...newest, ...entries.slice(from).filter((entry) => !seen.has(entry.oid))]
  }

  function render(): void {
    const now = Date.now()
    if (entries.length === 0) {
      setState(options.state, {
        tone: 'empty',
        title: 'No commits yet.',
        detail: 'When an agent calls a write tool, its commit shows here: amber while it waits for the sync, green once it is in git.',
      })
    } else {
      setState(options.state, null)
    }
    const keep = new Set(entries.map((entry) => entry.oid))
    for (const [oid, view] of views) {
      if (!keep.has(oid)) {
        view.root.remove()
        views.delete(oid)
      }
    }
    // Only nodes out of place are moved: moving the node that holds the focus would drop it.
    let previous: Element | null = null
    for (const entry of entries) {
      let view = views.get(entry.oid)
      if (view === undefined) {
        view = createEntryView(entry, options.onOpenRecord)
        views.set(entry.oid, view)
      }
      view.update(entry, now)
      const expectedAt: Element | null = previous === null ? list.firstElementChild : previous.nextElementSibling
      if (expectedAt !== view.root) list.insertBefore(view.root, expectedAt)
      previous = view.root
    }
    loadOlder.hidden = cursor === null
  }

  async function loadOlderPage(): Promise<void> {
    if (cursor === null) return
    loadOlder.disabled = true
    loadOlder.textContent = 'Loading…'
    olderStatus.textContent = ''
    try {
      const page = await api.activity({ limit: PAGE_SIZE, cursor })
      const seen = new Set(entries.map((entry) => entry.oid))
      entries = [...entries, ...page.entries.filter((entry) => !seen.has(entry.oid))]
      cursor = page.next_cursor
      render()
      olderStatus.textContent = page.entries.length === 0 ? 'No older entries.' : `${page.entries.length} older ${page.entries.length === 1 ? 'entry' : 'entries'} loaded.`
    } catch (error) {
      if (error instanceof UnauthorizedError) return options.onUnauthorized(error.message)
      olderStatus.textContent = error instanceof NetworkError ? 'The Worker cannot be reached; try again.' : `Could not load older entries: ${(error as Error).message}`
    } finally {
      loadOlder.disabled = false
      loadOlder.textContent = 'Load older'
    }
  }
  loadOlder.addEventListener('click', () => void loadOlderPage())

  const poller: Poller = createPoller({
    intervalMs: REFRESH_MS,
    maxBackoffMs: MAX_BACKOFF_MS,
    tick,
    onSchedule: (delay, failed) => {
      if (failed) banner.retrying(lastError, delay)
    },
    onPause: (paused) => {
      if (paused) {
        live.textContent = 'Paused while the tab is hidden'
        live.dataset.state = 'paused'
      }
    },
  })

  return {
    start() {
      entries = []
      cursor = null
      loaded = false
      views.clear()
      list.replaceChildren()
      loadOlder.hidden = true
      olderStatus.textContent = ''
      live.textContent = 'Connecting…'
      live.dataset.state = 'connecting'
      setState(options.state, { tone: 'loading', title: 'Loading activity…' })
      poller.start()
    },
    stop() {
      poller.stop()
      banner.clear()
    },
    refreshNow() {
      poller.now()
    },
  }
}

function createEntryView(entry: ActivityEntry, onOpenRecord: (path: string) => void): EntryView {
  const filesId = `files-${entry.oid}`
  const message = el('span', { class: 'entry-message' })
  const author = el('span', { class: 'entry-author' })
  const time = el('time', { class: 'entry-time' })
  const count = el('span', { class: 'entry-count' })
  const toggle = el(
    'button',
    { type: 'button', class: 'entry-toggle', 'aria-expanded': 'false', 'aria-controls': filesId },
    el('span', { class: 'chevron', 'aria-hidden': 'true' }),
    el('span', { class: 'entry-main' }, message, el('span', { class: 'entry-meta' }, author, el('span', { 'aria-hidden': 'true' }, ' · '), time, el('span', { 'aria-hidden': 'true' }, ' · '), count)),
  )
  const files = el('ul', { class: 'files', id: filesId, hidden: true }, ...entry.paths.map((path) => fileButton(path, onOpenRecord)))
  const row = el('div', { class: 'entry-row' }, toggle)
  const root = el('li', { class: 'entry' }, row, files)
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true'
    toggle.setAttribute('aria-expanded', String(open))
    files.hidden = !open
    root.classList.toggle('is-open', open)
  })

  let pill: HTMLElement | null = null
  let pillKey = ''
  return {
    root,
    update(current, now) {
      message.textContent = current.message
      author.textContent = current.author.name
      author.title = current.author.email
      time.dateTime = current.ts
      time.title = new Date(current.ts).toLocaleString()
      time.textContent = relativeTime(current.ts, now)
      count.textContent = `${current.paths.length} ${current.paths.length === 1 ? 'file' : 'files'}`
      root.dataset.status = current.status
      root.dataset.oid = current.oid
      const key = `${current.status} ${current.commit_sha ?? ''} ${current.repository ?? ''}`
      if (key !== pillKey) {
        const next = statusPill(current)
        if (pill === null) row.append(next)
        else pill.replaceWith(next)
        pill = next
        pillKey = key
      }
    },
  }
}

/** Green `synced abc1234` (a link to the commit when the repository is on the web) or amber `pending`. */
function statusPill(entry: ActivityEntry): HTMLElement {
  if (entry.status !== 'synced' || entry.commit_sha === undefined) {
    return el('span', { class: 'pill pill-pending', 'data-status': 'pending', title: 'Waiting for the sync to commit it to git' }, el('span', { class: 'pill-dot', 'aria-hidden': 'true' }), 'pending')
  }
  const content = [el('span', { class: 'pill-dot', 'aria-hidden': 'true' }), 'synced ', el('code', { class: 'pill-sha' }, shortSha(entry.commit_sha))]
  const href = commitUrl(entry.repository, entry.commit_sha)
  const title = `Commit ${entry.commit_sha}`
  if (href === undefined) return el('span', { class: 'pill pill-synced', 'data-status': 'synced', 'data-sha': entry.commit_sha, title }, ...content)
  return el('a', { class: 'pill pill-synced', 'data-status': 'synced', 'data-sha': entry.commit_sha, title: `${title} on ${new URL(href).host}`, href, target: '_blank', rel: 'noopener noreferrer' }, ...content)
}

function fileButton(path: string, onOpenRecord: (path: string) => void): HTMLLIElement {
  const record = recordPath(path)
  const button = el(
    'button',
    { type: 'button', class: 'file', 'data-path': path, title: path },
    record === null ? el('span', { class: 'file-path' }, path) : el('span', { class: 'file-entity' }, record.entity),
    record === null ? null : el('code', { class: 'file-id' }, shortId(record.id)),
    el('span', { class: 'file-open', 'aria-hidden': 'true' }, 'View'),
  )
  button.setAttribute('aria-label', record === null ? `Open ${path}` : `Open ${record.entity} ${record.id}`)
  button.addEventListener('click', () => onOpenRecord(path))
  return el('li', {}, button)
}
