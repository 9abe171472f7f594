/**
 * The sign-in card: paste a token, or (in local development only, when the page says the route exists) take
 * the one `npm start` printed. Messages say why the card is back: expired, refused, signed out.
 */
import { byId } from './dom.ts'

export interface SignIn {
  show(message?: { text: string; tone: 'error' | 'info' }): void
  hide(): void
  /** Puts the keyboard focus in the token field (after an explicit action, never on page load). */
  focus(): void
}

export interface SignInOptions {
  onToken: (token: string) => void
  /** The local development token route, when the Worker offers one. */
  devToken: (() => void) | null
}

export function createSignIn(options: SignInOptions): SignIn {
  const section = byId('sign-in', HTMLElement)
  const form = byId('sign-in-form', HTMLFormElement)
  const input = byId('token-input', HTMLTextAreaElement)
  const message = byId('sign-in-message', HTMLElement)
  const devButton = byId('dev-token', HTMLButtonElement)

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const token = input.value.replace(/^\s*(Bearer\s+)?/i, '').trim()
    if (token === '') {
      message.dataset.tone = 'error'
      message.textContent = 'Paste a token first.'
      message.hidden = false
      input.focus()
      return
    }
    options.onToken(token)
  })
  const devToken = options.devToken
  devButton.hidden = devToken === null
  if (devToken !== null) devButton.addEventListener('click', () => devToken())

  return {
    show(text) {
      section.hidden = false
      input.value = ''
      message.hidden = text === undefined
      message.textContent = text?.text ?? ''
      message.dataset.tone = text?.tone ?? 'info'
    },
    hide() {
      section.hidden = true
      message.hidden = true
      input.value = ''
    },
    focus() {
      input.focus()
    },
  }
}
