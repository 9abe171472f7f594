/**
 * The job summary: what a run committed, quarantined or found drifted, as tables on the run's page.
 * Entry messages are agent-written text, and the summary is HTML, so every cell is escaped.
 */
import type { summary } from '@actions/core'
import { countsOf, describeDrift, type CommitReport, type ModeResult } from './engine/index.ts'

/** @actions/core does not export its table types; this is the row its `addTable` takes. */
type SummaryTableRow = Parameters<typeof summary.addTable>[0][number]

/** The summary is capped at 1 MiB; past this many rows a table says how many it left out. */
const MAX_ROWS = 300

export interface SummaryWriter {
  addHeading(text: string, level?: number): SummaryWriter
  addRaw(text: string, addEOL?: boolean): SummaryWriter
  addTable(rows: SummaryTableRow[]): SummaryWriter
  write(): Promise<unknown>
}

export async function writeJobSummary(summary: SummaryWriter, result: ModeResult, repository: string | undefined): Promise<void> {
  const counts = countsOf(result)
  const dry = result.dryRun ? ' (dry run: nothing was written)' : ''
  summary.addHeading(`Accelerando ${result.mode}${dry}`, 2)
  const facts = [
    `branch <code>${escape(result.branch)}</code>`,
    `head ${counts.headSha === null ? 'none' : `<code>${counts.headSha.slice(0, 12)}</code>`}`,
    `${counts.commits} commit(s)`,
  ]
  if (result.mode === 'sync') facts.push(`${counts.synced} synced`, `${counts.quarantined} quarantined`, `${counts.remaining} remaining`)
  if (result.mode === 'replay') facts.push(`${result.replayed} replayed of ${result.considered}`, `${result.relinked} relinked`)
  if (result.mode === 'verify') facts.push(`${counts.drift} drifted file(s)`, `${result.integrity.length} integrity problem(s)`, `${result.indexes.problems.length} index problem(s)`, `${result.ledger.problems.length} ledger summary problem(s)`)
  summary.addRaw(`<p>${facts.join(' · ')}</p>`, true)

  if (result.mode === 'sync' || result.mode === 'replay') addCommits(summary, result.commits, repository)
  if (result.mode === 'verify' && result.repaired !== null) addCommits(summary, [result.repaired], repository)
  if (result.mode === 'sync' && result.quarantined.length > 0) {
    summary.addHeading('Quarantined', 3)
    summary.addTable(capped([header(['Entry', 'Reason']), ...result.quarantined.map((item) => [code(item.key), escape(item.reason)])], 2))
  }
  if (result.mode === 'replay' && result.skipped.length > 0) {
    summary.addHeading('Skipped', 3)
    summary.addTable(capped([header(['Synced entry', 'Reason']), ...result.skipped.map((item) => [code(item.key), escape(item.reason)])], 2))
  }
  if (result.mode === 'verify') {
    if (result.drift.length > 0) {
      summary.addHeading('Drift', 3)
      summary.addTable(capped([header(['File', 'Drift']), ...result.drift.map((item) => [code(item.path), escape(describeDrift(item))])], 2))
    }
    if (result.integrity.length > 0) {
      summary.addHeading('Integrity', 3)
      summary.addTable(capped([header(['File', 'Rule', 'Problem']), ...result.integrity.map((item) => [item.path === undefined ? '' : code(item.path), escape(item.rule), escape(item.message)])], 3))
    }
  }
  await summary.write()
}

function addCommits(summary: SummaryWriter, commits: readonly CommitReport[], repository: string | undefined): void {
  if (commits.length === 0) return
  summary.addHeading('Commits', 3)
  const rows: SummaryTableRow[] = [header(['Commit', 'Message', 'Author', 'Date', 'Tenant', 'Entry'])]
  for (const commit of commits) {
    const short = commit.sha === '' ? '—' : code(commit.sha.slice(0, 12))
    const sha = commit.sha !== '' && repository !== undefined ? `<a href="${escape(`${repository}/commit/${commit.sha}`)}">${short}</a>` : short
    const entry = commit.oids.length === 1 ? code(commit.oids[0] as string) : `${commit.oids.length} entries`
    rows.push([sha, escape(commit.subject), escape(commit.author), escape(commit.date), escape(commit.tenants.join(', ')), entry])
  }
  summary.addTable(capped(rows, 6))
}

function header(cells: string[]): SummaryTableRow {
  return cells.map((data) => ({ data, header: true }))
}

function capped(rows: SummaryTableRow[], width: number): SummaryTableRow[] {
  if (rows.length <= MAX_ROWS + 1) return rows
  const more: SummaryTableRow = [{ data: `… and ${rows.length - 1 - MAX_ROWS} more`, colspan: String(width) }]
  return [...rows.slice(0, MAX_ROWS + 1), more]
}

function code(text: string): string {
  return `<code>${escape(text)}</code>`
}

export function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)
}
