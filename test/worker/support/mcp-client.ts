import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker'
import { exports } from 'cloudflare:workers'
import { ORIGIN, tokenFor } from './api.ts'

const open: Client[] = []

/**
 * The official SDK client over Streamable HTTP, its requests served by the Worker's own fetch handler (or `fetcher`),
 * with `token` (a fresh write token when null). Close them all with `closeMcpClients` after each test.
 */
export async function connectMcp(token: string | null = null, fetcher: (request: Request) => Promise<Response> = (request) => exports.default.fetch(request)): Promise<Client> {
  const bearer = token ?? (await tokenFor())
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', ORIGIN), {
    fetch: (url, init) => fetcher(new Request(url, init)),
    requestInit: { headers: { Authorization: `Bearer ${bearer}` } },
  })
  // Like the server, the client must not use its default validator (ajv) under workerd.
  const client = new Client({ name: 'accelerando-test', version: '1.0.0' }, { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() })
  await client.connect(transport)
  open.push(client)
  return client
}

export async function closeMcpClients(): Promise<void> {
  await Promise.all(open.splice(0).map((client) => client.close()))
}
