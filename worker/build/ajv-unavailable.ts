/**
 * Stands in for `ajv` and `ajv-formats` in the Worker's bundle (`alias` in wrangler.jsonc). The MCP SDK's
 * `Server` imports ajv for its default JSON-schema validator, which compiles schemas with `new Function`, which
 * workerd refuses anyway; the Worker always hands it its own (`noElicitationValidator`). Aliasing keeps about 290 KiB of
 * code that can never run out of the bundle; reaching this is a bug, and it says so.
 */
export default function ajvUnavailable(): never {
  throw new Error('ajv is not bundled in the Worker: pass a jsonSchemaValidator to the MCP Server')
}
