import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readActionYml } from './action-yml.ts'
import { markdownTable } from './sections.ts'

/** The inputs and outputs tables of docs/reconciler.md, as `action.yml` declares them. */
export function actionTables(root: string): string {
  const { inputs, outputs } = readActionYml(readFileSync(join(root, 'action.yml'), 'utf8'))
  const inputRows = inputs.map((input) => [
    `\`${input.name}\``,
    input.required ? 'required' : input.default === undefined ? '' : `\`${input.default}\``,
    input.description,
  ])
  const outputRows = outputs.map((output) => [`\`${output.name}\``, output.description])
  return `${markdownTable(['input', 'default', 'meaning'], inputRows)}\n\n${markdownTable(['output', 'meaning'], outputRows)}`
}
