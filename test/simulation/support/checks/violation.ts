/** A broken promise the checker found: its category, what happened, and what to look for in the trace. */
export interface Violation {
  category: string
  message: string
  /** Ids, keys and call numbers the trace lines leading to it mention. */
  subjects: string[]
}

export function describeCall(call: { n: number; client: string; tool: string; status?: number; code?: string; died?: boolean; lost?: boolean }): string {
  const end = call.died === true ? 'died' : `${call.status ?? '?'}${call.code === undefined ? '' : ` ${call.code}`}${call.lost === true ? ', answer lost' : ''}`
  return `#${call.n} ${call.client} ${call.tool} (${end})`
}
