/**
 * Tool names read off the catalogue, so that a test's list of tools grows with it and is never spelled
 * out by hand (the catalogue's own test keeps the one explicit list).
 */
import { TOOLS } from '../../worker/tools/catalogue.ts'
import type { ToolDefinition } from '../../worker/tools/tool.ts'

/** Every tool's name, in catalogue order. */
export const ALL_TOOL_NAMES: readonly string[] = TOOLS.map((tool) => tool.name)

/** The names of the tools with this access, in catalogue order. */
export function toolNames(access: ToolDefinition['access']): string[] {
  return TOOLS.filter((tool) => tool.access === access).map((tool) => tool.name)
}

export const WRITE_TOOL_NAMES: readonly string[] = toolNames('write')
export const READ_TOOL_NAMES: readonly string[] = toolNames('read')

export function isWriteTool(name: string): boolean {
  return WRITE_TOOL_NAMES.includes(name)
}
