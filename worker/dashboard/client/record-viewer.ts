/**
 * The record viewer: a modal dialog with the record as fields and as its raw `.agi` text, read from
 * `GET /data/...`. A native `<dialog>` keeps the focus inside, closes on Escape and hands the focus back.
 */
import { NetworkError, UnauthorizedError, type Api } from './api.ts'
import { parseRecordText } from './agi.ts'
import { byId, el, setState } from './dom.ts'
import { recordPath } from './format.ts'

export interface RecordViewer {
  open(path: string): void
  close(): void
}

export function createRecordViewer(api: Api, onUnauthorized: (message: string) => void): RecordViewer {
  const dialog = byId('record-viewer', HTMLDialogElement)
  const title = byId('viewer-title', HTMLHeadingElement)
  const pathLine = byId('viewer-path', HTMLElement)
  const state = byId('viewer-state', HTMLElement)
  const body = byId('viewer-body', HTMLElement)
  const fields = byId('viewer-fields', HTMLTableSectionElement)
  const raw = byId('viewer-raw', HTMLPreElement)
  // Answers to an earlier click are dropped: only the record last asked for is shown.
  let request = 0

  byId('viewer-close', HTMLButtonElement).addEventListener('click', () => dialog.close())
  // A click on the backdrop lands on the dialog itself, outside its panel.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close()
  })

  async function load(path: string, ticket: number): Promise<void> {
    let text: string | null
    try {
      text = await api.record(path)
    } catch (error) {
      if (ticket !== request) return
      if (error instanceof UnauthorizedError) {
        dialog.close()
        return onUnauthorized(error.message)
      }
      const retry = el('button', { type: 'button', class: 'button button-small' }, 'Try again')
      retry.addEventListener('click', () => open(path))
      setState(state, {
        tone: 'error',
        title: 'The record could not be read.',
        detail: error instanceof NetworkError ? 'The Worker cannot be reached.' : (error as Error).message,
        action: retry,
      })
      return
    }
    if (ticket !== request) return
    if (text === null) {
      setState(state, { tone: 'empty', title: 'This record no longer exists.', detail: 'A later commit deleted it; its history is in git.' })
      return
    }
    const record = parseRecordText(text)
    fields.replaceChildren(
      ...(record === null
        ? [el('tr', {}, el('td', { colspan: '2' }, 'This text is not a canonical record; see the raw text below.'))]
        : record.fields.map((field) =>
            el('tr', {}, el('th', { scope: 'row' }, field.name), el('td', { class: `value value-${field.kind}`, title: field.literal }, field.value === '' ? el('em', {}, '(empty)') : field.value)),
          )),
    )
    raw.textContent = text
    setState(state, null)
    body.hidden = false
  }

  function open(path: string): void {
    const ticket = ++request
    const record = recordPath(path)
    title.textContent = record === null ? path : `${record.entity} ${record.id}`
    pathLine.textContent = path
    body.hidden = true
    fields.replaceChildren()
    raw.textContent = ''
    setState(state, { tone: 'loading', title: 'Reading the record…' })
    if (!dialog.open) dialog.showModal()
    void load(path, ticket)
  }

  return {
    open,
    close: () => dialog.close(),
  }
}
