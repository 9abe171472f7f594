/**
 * A forwarding proxy that adds `Authorization: Bearer <token>` to every request and changes nothing else (`Host`
 * and `Origin` included): the official MCP conformance suite sends no token and has no option for one.
 */
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface BearerProxy {
  url: string
  close(): Promise<void>
}

export async function startBearerProxy(targetPort: number, token: string): Promise<BearerProxy> {
  const server: Server = createServer((incoming, outgoing) => {
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, authorization: `Bearer ${token}` } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      },
    )
    upstream.on('error', (error) => {
      outgoing.writeHead(502, { 'Content-Type': 'text/plain' })
      outgoing.end(`proxy: ${error.message}`)
    })
    incoming.pipe(upstream)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}
