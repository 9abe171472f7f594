/**
 * What agents can do: every tool from `GET /tools`, with its description, its arguments (from the input
 * schema) and the schema itself. Read once, when the view is first shown; a filter narrows the list.
 */
import { NetworkError, type Api } from './api.ts'
import { byId, el, setState } from './dom.ts'
import type { JsonSchema, ToolListing } from './types.ts'

export interface ToolsView {
  /** Loads the list the first time; later calls do nothing unless the last load failed. */
  show(): void
}

export function createToolsView(api: Api): ToolsView {
  const list = byId('tool-list', HTMLUListElement)
  const state = byId('tools-state', HTMLElement)
  const filter = byId('tool-filter', HTMLInputElement)
  const count = byId('tool-count', HTMLElement)
  let status: 'idle' | 'loading' | 'loaded' = 'idle'

  filter.addEventListener('input', () => applyFilter())

  function applyFilter(): void {
    const needle = filter.value.trim().toLowerCase()
    let shown = 0
    for (const item of list.children) {
      if (!(item instanceof HTMLElement)) continue
      const match = needle === '' || (item.dataset.search ?? '').includes(needle)
      item.hidden = !match
      if (match) shown += 1
    }
    count.textContent = needle === '' ? `${list.children.length} tools` : `${shown} of ${list.children.length} tools`
    if (shown === 0 && list.children.length > 0) setState(state, { tone: 'empty', title: `No tool matches “${filter.value.trim()}”.` })
    else if (status === 'loaded') setState(state, null)
  }

  async function load(): Promise<void> {
    status = 'loading'
    setState(state, { tone: 'loading', title: 'Loading the tool catalogue…' })
    try {
      const tools = await api.tools()
      list.replaceChildren(...tools.map(toolItem))
      status = 'loaded'
      setState(state, tools.length === 0 ? { tone: 'empty', title: 'This Worker offers no tools.' } : null)
      applyFilter()
    } catch (error) {
      status = 'idle'
      const retry = el('button', { type: 'button', class: 'button button-small' }, 'Try again')
      retry.addEventListener('click', () => void load())
      setState(state, {
        tone: 'error',
        title: 'The tool catalogue could not be loaded.',
        detail: error instanceof NetworkError ? 'The Worker cannot be reached.' : (error as Error).message,
        action: retry,
      })
    }
  }

  return {
    show() {
      if (status === 'idle') void load()
    },
  }
}

function toolItem(tool: ToolListing): HTMLLIElement {
  const hints = tool.annotations ?? {}
  const badges = [
    hints.readOnlyHint ? el('span', { class: 'badge badge-read' }, 'read-only') : el('span', { class: 'badge badge-write' }, 'writes'),
    hints.destructiveHint ? el('span', { class: 'badge badge-danger' }, 'destructive') : null,
    hints.idempotentHint && !hints.readOnlyHint ? el('span', { class: 'badge' }, 'idempotent') : null,
  ]
  const item = el(
    'li',
    { class: 'tool', 'data-search': `${tool.name} ${tool.title ?? ''} ${tool.description}`.toLowerCase() },
    el(
      'details',
      {},
      el('summary', {}, el('span', { class: 'tool-head' }, el('code', { class: 'tool-name' }, tool.name), el('span', { class: 'tool-title' }, tool.title ?? '')), el('span', { class: 'badges' }, ...badges)),
      el('div', { class: 'tool-body' }, el('p', { class: 'tool-description' }, tool.description), argumentsTable(tool.input_schema), el('details', { class: 'schema' }, el('summary', {}, 'Input schema (JSON Schema)'), el('pre', {}, JSON.stringify(tool.input_schema, null, 2)))),
    ),
  )
  return item
}

function argumentsTable(schema: JsonSchema): HTMLElement {
  const properties = Object.entries(schema.properties ?? {})
  if (properties.length === 0) return el('p', { class: 'tool-args-none' }, 'No arguments.')
  const required = new Set(schema.required ?? [])
  return el(
    'table',
    { class: 'tool-args' },
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Argument'), el('th', { scope: 'col' }, 'Type'), el('th', { scope: 'col' }, 'Description'))),
    el(
      'tbody',
      {},
      ...properties.map(([name, property]) =>
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, el('code', {}, name), required.has(name) ? el('span', { class: 'required', title: 'required' }, ' required') : null),
          el('td', {}, el('code', {}, typeLabel(property))),
          el('td', {}, property.description ?? ''),
        ),
      ),
    ),
  )
}

/** A short type for the table (`string`, `array of object`, `"draft" | "sent"`); the schema below has the rest. */
function typeLabel(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join(' | ')
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(typeLabel).join(' | ')
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any')
  if (type === 'array' && schema.items !== undefined) return `array of ${typeLabel(schema.items)}`
  return type
}
