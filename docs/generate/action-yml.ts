/**
 * A reader for the one YAML file the docs describe, `action.yml`: its `inputs:` and `outputs:` blocks. It knows
 * exactly the shapes that file uses (two-space maps of plain, single- or double-quoted scalars) and refuses
 * anything else, so a change the reader would misread fails loudly instead.
 */
export interface ActionField {
  name: string
  description: string
  required: boolean
  default?: string
}

export interface ActionInterface {
  inputs: ActionField[]
  outputs: ActionField[]
}

export function readActionYml(text: string): ActionInterface {
  const result: ActionInterface = { inputs: [], outputs: [] }
  let block: ActionField[] | undefined
  let field: ActionField | undefined
  for (const [index, raw] of text.split('\n').entries()) {
    const fail = (why: string) => new Error(`action.yml:${index + 1}: ${why}`)
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue
    const match = /^( *)([A-Za-z0-9_-]+):(?: (.*))?$/.exec(raw)
    const indent = match?.[1]?.length ?? -1
    if (indent === 0) {
      block = match?.[2] === 'inputs' ? result.inputs : match?.[2] === 'outputs' ? result.outputs : undefined
      field = undefined
      continue
    }
    if (block === undefined) continue
    if (match === null) throw fail(`cannot read ${JSON.stringify(raw)}`)
    const [, , key, value] = match
    if (indent === 2 && value === undefined) {
      field = { name: key as string, description: '', required: false }
      block.push(field)
    } else if (indent === 4 && field !== undefined && value !== undefined) {
      const scalar = readScalar(value, fail)
      if (key === 'description') field.description = scalar
      else if (key === 'required') field.required = scalar === 'true'
      else if (key === 'default') field.default = scalar
      else throw fail(`unknown key ${key}`)
    } else {
      throw fail(`unexpected ${JSON.stringify(raw)}`)
    }
  }
  return result
}

function readScalar(value: string, fail: (why: string) => Error): string {
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2) throw fail('an unterminated double-quoted string')
    return JSON.parse(value) as string
  }
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2) throw fail('an unterminated single-quoted string')
    return value.slice(1, -1).replaceAll("''", "'")
  }
  if (/^[|>&*!%@`]/.test(value) || value.includes(' #')) throw fail(`a scalar this reader does not take: ${value}`)
  return value
}
