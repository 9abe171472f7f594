/** Who is calling: the verified token's claims, as `verifyToken` returns them. */
export interface Caller {
  /** Token subject (actor id). */
  sub: string
  name: string
  email: string
  tenant: string
  scope: 'read' | 'write'
  /** Allow-list of tool names, when the token carries one. */
  tools?: string[]
}
