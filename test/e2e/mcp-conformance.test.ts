import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBearerProxy, type BearerProxy } from './support/bearer-proxy.ts'
import { ROOT, startDevProcess, type DevProcess } from './support/dev-stack.ts'

const BASELINE = join(ROOT, 'test', 'e2e', 'mcp-conformance-baseline.yml')

/** The scenarios a tools-and-resources server must pass, whatever the baseline says. */
const REQUIRED = ['server-initialize', 'ping', 'tools-list', 'tools-call-simple-text', 'tools-call-error', 'resources-list', 'dns-rebinding-protection']

/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios) against `/mcp` of the
 * Worker as `npm start` runs it. The suite sends no token, so a proxy adds one and leaves `Host` and `Origin` alone
 * (dns-rebinding-protection sends a foreign pair and expects a 4xx). The suite fails on a scenario that fails
 * outside the baseline and on a baseline scenario that passes; this test reads each scenario's checks too.
 */
describe('the MCP conformance suite against npm start', () => {
  let stack: DevProcess
  let proxy: BearerProxy
  let outputDir: string

  beforeAll(async () => {
    stack = await startDevProcess({ args: ['--no-sync'], prefix: 'accelerando-conformance-' })
    const token = await stack.ready(60_000)
    proxy = await startBearerProxy(stack.port, token)
    outputDir = mkdtempSync(join(tmpdir(), 'accelerando-conformance-results-'))
    // A record, so resources/list has one to list.
    const created = await fetch(`${stack.url}/tools/create_customer`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'Ada Lovelace' }),
    })
    expect(created.status).toBe(200)
  }, 90_000)

  afterAll(async () => {
    await proxy?.close()
    await stack?.dispose()
    if (outputDir !== undefined) rmSync(outputDir, { recursive: true, force: true })
  })

  it('passes every scenario outside the baseline, and fails every scenario in it', async () => {
    const run = await runConformance(`${proxy.url}/mcp`, outputDir)
    const results = scenarioResults(outputDir)
    const baseline = baselineScenarios()
    const failed = [...results].filter(([, outcome]) => outcome === 'failed').map(([name]) => name)
    const report = `${run.output}\n${stack.stderr()}`

    expect(run.code, report).toBe(0)
    expect(failed.sort(), report).toEqual([...baseline].sort())
    for (const scenario of REQUIRED) expect(results.get(scenario), scenario).toBe('passed')
    expect(baseline.filter((scenario) => REQUIRED.includes(scenario))).toEqual([])
  }, 120_000)
})

/** The scenarios the baseline lists: `  - <name> # <reason>`, each with its reason. */
function baselineScenarios(): string[] {
  const entries = [...readFileSync(BASELINE, 'utf8').matchAll(/^\s+-\s+([a-z0-9-]+)\s*(#.*)?$/gm)]
  for (const entry of entries) expect(entry[2]?.length ?? 0, `${entry[1]} needs a reason`).toBeGreaterThan(10)
  return entries.map((entry) => entry[1]!)
}

/**
 * Each scenario's outcome from the checks it saved (`<dir>/server-<scenario>-<timestamp>/checks.json`), by the
 * suite's own rule: a failed or warned check fails the scenario.
 */
function scenarioResults(outputDir: string): Map<string, 'passed' | 'failed'> {
  const results = new Map<string, 'passed' | 'failed'>()
  for (const dir of readdirSync(outputDir)) {
    const scenario = /^server-(.+)-\d{4}-\d{2}-\d{2}T/.exec(dir)?.[1]
    if (scenario === undefined) continue
    const checks = JSON.parse(readFileSync(join(outputDir, dir, 'checks.json'), 'utf8')) as { status: string }[]
    results.set(scenario, checks.some((check) => check.status === 'FAILURE' || check.status === 'WARNING') ? 'failed' : 'passed')
  }
  return results
}

function runConformance(url: string, outputDir: string): Promise<{ code: number | null; output: string }> {
  const manifest = createRequire(join(ROOT, 'package.json')).resolve('@modelcontextprotocol/conformance/package.json')
  const bin = join(dirname(manifest), (JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { conformance: string } }).bin.conformance)
  const child = spawn(process.execPath, [bin, 'server', '--url', url, '--expected-failures', BASELINE, '--output-dir', outputDir], {
    cwd: outputDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })))
}
