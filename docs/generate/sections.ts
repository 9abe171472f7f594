/**
 * Generated sections of the docs: the text between `<!-- generated:<name> start -->` and `<!-- generated:<name> end -->`
 * belongs to `npm run docs`, which rewrites it from the sources; everything around it is written by hand.
 */
export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- generated:${name} start -->`
  const end = `<!-- generated:${name} end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`no ${start} … ${end} markers`)
  return `${text.slice(0, from + start.length)}\n${body.trimEnd()}\n${text.slice(to)}`
}

/** A markdown table; `|` inside a cell is escaped so it cannot split the row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n')
}
