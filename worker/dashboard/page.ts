/**
 * The dashboard's HTML shell. The Worker renders it with nothing from the request but one flag (whether the
 * local development token route is on); everything the operator sees is filled in by `/dashboard/app.js`.
 * No inline script or style: the page runs under a CSP that allows only this origin's files.
 */

/** The brand mark: a gold ring around a rising line, the shape of a commit graph. */
const MARK_PATHS =
  '<circle cx="16" cy="16" r="14" fill="#0a1628" stroke="#e2b94b" stroke-width="2"/>' +
  '<path d="M8 21.5 13 16l4 3.5 7-9" fill="none" stroke="#f3d27a" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>' +
  '<circle cx="24" cy="10.5" r="2.2" fill="#f3d27a"/>'

const FAVICON = `data:image/svg+xml,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">${MARK_PATHS}</svg>`)}`

export interface PageOptions {
  version: string
  /** The local development token's route, when it is on for this request. */
  devTokenPath: string | null
}

export function dashboardPage(options: PageOptions): string {
  const devToken = options.devTokenPath === null ? '' : ` data-dev-token="${escapeAttribute(options.devTokenPath)}"`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<meta name="theme-color" content="#0a1628">
<meta name="referrer" content="no-referrer">
<title>Accelerando · activity</title>
<link rel="icon" href="${escapeAttribute(FAVICON)}">
<link rel="stylesheet" href="/dashboard/app.css">
<script type="module" src="/dashboard/app.js"></script>
</head>
<body${devToken}>
<a class="skip-link" href="#main">Skip to content</a>
<header class="masthead">
  <div class="masthead-inner">
    <a class="brand" href="/">
      <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">${MARK_PATHS}</svg>
      <span class="brand-name">Accelerando</span>
    </a>
    <p class="brand-tag">Every write is a commit</p>
    <div class="identity" id="identity" hidden>
      <dl class="identity-facts">
        <div><dt>Tenant</dt><dd class="tenant" id="identity-tenant"></dd></div>
        <div><dt>Actor</dt><dd><span id="identity-actor"></span> <span class="scope-badge" id="identity-scope" title="The token's scope"></span></dd></div>
      </dl>
      <button type="button" class="button button-quiet button-small" id="sign-out">Sign out</button>
    </div>
  </div>
</header>
<main id="main" class="main" tabindex="-1">
  <p id="boot" class="boot" role="status">Loading the dashboard…</p>
  <noscript><p class="boot">The dashboard needs JavaScript; the API works without it (see <a href="/tools">/tools</a>).</p></noscript>

  <section id="sign-in" class="sign-in" aria-labelledby="sign-in-title" hidden>
    <div class="card">
      <h1 id="sign-in-title">Sign in</h1>
      <p class="lede">Paste a bearer token to watch what agents write to your tenant, before and after it reaches git. The token stays in this tab and is sent only to this Worker.</p>
      <p id="sign-in-message" class="notice" role="alert" hidden></p>
      <form id="sign-in-form" novalidate>
        <label for="token-input">Token</label>
        <textarea id="token-input" name="token" rows="4" spellcheck="false" autocomplete="off" autocapitalize="off" placeholder="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…"></textarea>
        <div class="actions">
          <button type="submit" class="button button-primary">Sign in</button>
          <button type="button" class="button" id="dev-token" hidden>Use the local development token</button>
        </div>
      </form>
      <p class="hint">A read token is enough to watch:<code>npx accelerando token --tenant acme --name "Operator" --email ops@acme.example --scope read</code></p>
    </div>
  </section>

  <div id="workspace" hidden>
    <nav class="tabs" aria-label="Dashboard views">
      <button type="button" class="tab" id="tab-activity" aria-controls="activity-view" aria-pressed="true">Activity</button>
      <button type="button" class="tab" id="tab-tools" aria-controls="tools-view" aria-pressed="false">Tools</button>
    </nav>
    <div id="banner" class="banner" role="status" aria-live="polite" hidden></div>

    <section id="activity-view" aria-labelledby="activity-title">
      <div class="section-head">
        <h1 id="activity-title" tabindex="-1">Activity</h1>
        <p id="live-status" class="live" role="status"></p>
        <button type="button" class="button button-small" id="refresh">Refresh</button>
      </div>
      <p class="legend">Newest first. <span class="pill pill-pending"><span class="pill-dot" aria-hidden="true"></span>pending</span> waits for the sync; <span class="pill pill-synced"><span class="pill-dot" aria-hidden="true"></span>synced</span> is a commit in git. Open an entry to see its files.</p>
      <div id="timeline-state" class="state" hidden></div>
      <ol id="timeline" class="timeline" aria-label="Commits"></ol>
      <div class="more">
        <button type="button" class="button" id="load-older" hidden>Load older</button>
        <p id="older-status" class="older-status" role="status"></p>
      </div>
    </section>

    <section id="tools-view" aria-labelledby="tools-title" hidden>
      <div class="section-head"><h1 id="tools-title">Tools</h1></div>
      <p class="section-intro">What agents can call: <code>POST /tools/&lt;name&gt;</code> with the arguments as JSON. Write tools make one commit each.</p>
      <div class="tool-filter">
        <label class="visually-hidden" for="tool-filter">Filter tools</label>
        <input id="tool-filter" type="search" placeholder="Filter tools, e.g. invoice" autocomplete="off">
        <span id="tool-count" class="tool-count" role="status"></span>
      </div>
      <div id="tools-state" class="state" hidden></div>
      <ul id="tool-list" class="tool-list"></ul>
    </section>
  </div>
</main>

<dialog id="record-viewer" class="viewer" aria-labelledby="viewer-title">
  <div class="viewer-panel">
    <div class="viewer-head">
      <div>
        <p class="viewer-kicker">Record</p>
        <h2 id="viewer-title"></h2>
        <p id="viewer-path" class="viewer-path"></p>
      </div>
      <button type="button" class="button button-quiet button-small" id="viewer-close">Close</button>
    </div>
    <div id="viewer-state" class="state" hidden></div>
    <div id="viewer-body" class="viewer-body" hidden>
      <section aria-labelledby="viewer-fields-title">
        <h3 id="viewer-fields-title">Fields</h3>
        <table class="fields"><tbody id="viewer-fields"></tbody></table>
      </section>
      <section aria-labelledby="viewer-raw-title">
        <h3 id="viewer-raw-title">Raw <code>.agi</code></h3>
        <pre id="viewer-raw" class="raw" tabindex="0"></pre>
      </section>
    </div>
    <p class="viewer-note">The record as it is now; git holds every earlier version.</p>
  </div>
</dialog>

<footer class="footer">
  <div class="footer-inner">Accelerando ${escapeText(options.version)} · <a href="/tools">/tools</a> · <a href="/health">/health</a></div>
</footer>
</body>
</html>
`
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function escapeAttribute(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;')
}
