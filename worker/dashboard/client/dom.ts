/**
 * Building elements without `innerHTML`: every message, name and path on the page comes from agents' calls,
 * so text is only ever set as text.
 */

export type Child = Node | string | null | undefined | false

/** Attribute values: a string sets it, `true` sets it empty, `false`/`undefined` leave it out. */
export type Attributes = Record<string, string | boolean | undefined>

/** @example el('button', { type: 'button', class: 'pill' }, 'synced ', el('code', {}, 'abc1234')) */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '')
    else if (typeof value === 'string') element.setAttribute(name, value)
  }
  element.append(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false))
  return element
}

/** An element the page shell must contain; a missing one is a bug in the shell, said plainly. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id)
  if (!(element instanceof type)) throw new Error(`the dashboard page has no #${id} (${type.name})`)
  return element
}

export function show(element: HTMLElement, visible: boolean): void {
  element.hidden = !visible
}

/** A designed placeholder (loading, empty, error) in a state slot; `null` clears the slot. */
export function setState(slot: HTMLElement, state: { tone: 'loading' | 'empty' | 'error'; title: string; detail?: Child; action?: HTMLElement } | null): void {
  slot.replaceChildren()
  slot.hidden = state === null
  if (state === null) return
  slot.dataset.tone = state.tone
  slot.append(el('p', { class: 'state-title' }, state.tone === 'loading' ? el('span', { class: 'spinner', 'aria-hidden': 'true' }) : null, state.title))
  if (state.detail !== undefined) slot.append(el('p', { class: 'state-detail' }, state.detail))
  if (state.action !== undefined) slot.append(state.action)
}
