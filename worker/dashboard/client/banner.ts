/**
 * The strip above the timeline that says the Worker cannot be reached (or answers with an error), counts down
 * to the next attempt and offers to retry now. The data already on screen stays: it is stale, not wrong.
 */
import { el } from './dom.ts'

export interface Banner {
  /** Shows `message` with a countdown to the next attempt in `retryInMs`. */
  retrying(message: string, retryInMs: number): void
  clear(): void
}

export function createBanner(root: HTMLElement, retryNow: () => void): Banner {
  let countdown: ReturnType<typeof setInterval> | undefined
  const stopCountdown = () => {
    if (countdown !== undefined) clearInterval(countdown)
    countdown = undefined
  }
  return {
    retrying(message, retryInMs) {
      stopCountdown()
      const due = Date.now() + retryInMs
      const seconds = el('span', { class: 'banner-countdown' })
      const tick = () => {
        const left = Math.max(0, Math.ceil((due - Date.now()) / 1000))
        seconds.textContent = left === 0 ? 'Retrying…' : `Retrying in ${left} s.`
      }
      tick()
      countdown = setInterval(tick, 1000)
      const button = el('button', { type: 'button', class: 'button button-small' }, 'Retry now')
      button.addEventListener('click', retryNow)
      root.replaceChildren(el('span', { class: 'banner-icon', 'aria-hidden': 'true' }, '!'), el('span', { class: 'banner-text' }, el('strong', {}, message), ' ', seconds), button)
      root.hidden = false
    },
    clear() {
      stopCountdown()
      root.hidden = true
      root.replaceChildren()
    },
  }
}
