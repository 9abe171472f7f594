import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation'

/**
 * The SDK's `Server` uses a JSON Schema validator for one thing only: checking a client's answer to an elicitation
 * request against the schema the server asked with. This server never elicits (it keeps no session to ask on), so it
 * needs none, and the Worker bundles no validator for it: were one ever asked for, it refuses every answer.
 */
export const noElicitationValidator: jsonSchemaValidator = {
  getValidator: () => () => ({ valid: false, data: undefined, errorMessage: 'this server never requests elicitation' }),
}
