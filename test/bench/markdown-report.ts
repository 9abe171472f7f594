/**
 * The bench's figures as markdown: the same tables it prints, in order, under a header that says which command
 * wrote them and when. A full run writes docs/benchmark-latest.md, the figures the docs point to; nothing
 * else in the docs repeats them.
 */
import { markdownTable } from '../../docs/generate/sections.ts'

export type ReportBlock = { kind: 'table'; title: string; header: string[]; rows: string[][] } | { kind: 'note'; text: string }

export interface ReportRun {
  command: string
  at: string
  machine: string
  totalSeconds: number
}

export function renderMarkdownReport(run: ReportRun, blocks: readonly ReportBlock[]): string {
  const parts = [
    '# Benchmark: latest figures',
    `<!-- Written by \`${run.command}\` (test/bench/run.ts) on ${run.at}: generated, do not edit; the next run rewrites it. -->`,
    `\`${run.command}\`, ${run.at}, ${run.machine} (${run.totalSeconds.toFixed(0)} s in all). What each figure measures: [benchmark.md](benchmark.md).`,
  ]
  for (const block of blocks) {
    if (block.kind === 'note') parts.push(block.text.trim())
    else parts.push(`**${block.title}**\n\n${markdownTable(block.header, block.rows)}`)
  }
  return `${parts.join('\n\n')}\n`
}
