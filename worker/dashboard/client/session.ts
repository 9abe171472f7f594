/**
 * The signed-in token lives in `sessionStorage`: it survives a reload but not the tab, and no other tab or
 * later visit sees it. Storage can be refused (privacy modes), so a copy is kept in memory too.
 */

const TOKEN_KEY = 'accelerando.token'
/** Set by "Sign out", so the local development token is not picked up again at once. */
const SIGNED_OUT_KEY = 'accelerando.signed-out'

let memory: string | null = null

export function storedToken(): string | null {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? memory
  } catch {
    return memory
  }
}

export function storeToken(token: string): void {
  memory = token
  try {
    sessionStorage.setItem(TOKEN_KEY, token)
    sessionStorage.removeItem(SIGNED_OUT_KEY)
  } catch {
    // Memory only: the page still works until it is reloaded.
  }
}

export function forgetToken(options: { onPurpose: boolean }): void {
  memory = null
  try {
    sessionStorage.removeItem(TOKEN_KEY)
    if (options.onPurpose) sessionStorage.setItem(SIGNED_OUT_KEY, '1')
  } catch {
    // Nothing stored.
  }
}

export function signedOutOnPurpose(): boolean {
  try {
    return sessionStorage.getItem(SIGNED_OUT_KEY) !== null
  } catch {
    return false
  }
}
