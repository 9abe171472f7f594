/**
 * `accelerando dispatch`: starts the data repository's sync workflow on GitHub (a `replay` after a
 * history rewrite, a `verify --repair`), the way the Actions tab's "Run workflow" button does.
 */
import { Octokit } from '@octokit/rest'
import { parseArgs } from 'node:util'
import { MODES } from '../engine/index.ts'
import { UsageError, type Command } from './command.ts'
import { processEnvironment, timeOption, wrapInputErrors, type CliEnvironment } from './reconcile-command.ts'

export const DEFAULT_WORKFLOW = 'sync.yml'

export interface DispatchRequest {
  token: string
  /** `owner/name`. */
  repository: string
  workflow?: string
  /** The branch to run on; the repository's default branch when omitted. */
  ref?: string
  /** The workflow's inputs: mode, dry_run, since, until, repair. */
  inputs: Record<string, string>
  /** For tests, and for GitHub Enterprise (`baseUrl`). */
  fetch?: typeof fetch
  baseUrl?: string
}

export interface Dispatched {
  ref: string
  /** The run's page, when GitHub reported it. */
  runUrl: string | undefined
  workflowUrl: string
}

/** What `--json` prints. `runUrl` is null when GitHub did not report the run (older servers). */
export interface DispatchReport {
  repository: string
  workflow: string
  ref: string
  inputs: Record<string, string>
  runUrl: string | null
  workflowUrl: string
}

export async function dispatchWorkflow(request: DispatchRequest): Promise<Dispatched> {
  const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(request.repository)
  if (match === null) throw new UsageError(`--repo must be owner/name, got ${JSON.stringify(request.repository)}`)
  const [, owner, repo] = match as unknown as [string, string, string]
  const workflow = request.workflow ?? DEFAULT_WORKFLOW
  const octokit = new Octokit({
    auth: request.token,
    userAgent: 'accelerando-cli',
    ...(request.baseUrl === undefined ? {} : { baseUrl: request.baseUrl }),
    ...(request.fetch === undefined ? {} : { request: { fetch: request.fetch } }),
  })
  const ref = request.ref ?? (await octokit.rest.repos.get({ owner, repo })).data.default_branch
  const response = await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: workflow, ref, inputs: request.inputs, return_run_details: true })
  // With return_run_details GitHub answers 200 and the run's URLs; older servers still answer 204.
  const details = (response.status as number) === 200 ? (response.data as unknown as { html_url?: string }) : undefined
  return { ref, runUrl: details?.html_url, workflowUrl: `https://github.com/${owner}/${repo}/actions/workflows/${workflow}` }
}

export async function runDispatchCommand(args: string[], environment: CliEnvironment = processEnvironment()): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      repo: { type: 'string' },
      mode: { type: 'string', default: 'sync' },
      since: { type: 'string' },
      until: { type: 'string' },
      'dry-run': { type: 'boolean' },
      repair: { type: 'boolean' },
      ref: { type: 'string' },
      workflow: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (values.repo === undefined) throw new UsageError('--repo owner/name is required')
  if (!(MODES as readonly string[]).includes(values.mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}`)
  const token = environment.env.GITHUB_TOKEN || environment.env.GH_TOKEN
  if (!token) throw new UsageError('set GITHUB_TOKEN (a token that may run workflows in the repository)')
  // Checked here so a typo fails now, not in the workflow run; sent as written.
  wrapInputErrors(() => [timeOption(values, 'since'), timeOption(values, 'until')])
  const inputs: Record<string, string> = { mode: values.mode, dry_run: String(values['dry-run'] === true), repair: String(values.repair === true) }
  if (values.since !== undefined) inputs.since = values.since
  if (values.until !== undefined) inputs.until = values.until
  const dispatched = await dispatchWorkflow({
    token,
    repository: values.repo,
    inputs,
    ...(values.ref === undefined ? {} : { ref: values.ref }),
    ...(values.workflow === undefined ? {} : { workflow: values.workflow }),
    ...(environment.env.GITHUB_API_URL ? { baseUrl: environment.env.GITHUB_API_URL } : {}),
    ...(environment.fetch === undefined ? {} : { fetch: environment.fetch }),
  })
  const workflow = values.workflow ?? DEFAULT_WORKFLOW
  if (values.json) {
    const report: DispatchReport = { repository: values.repo, workflow, ref: dispatched.ref, inputs, runUrl: dispatched.runUrl ?? null, workflowUrl: dispatched.workflowUrl }
    environment.out(JSON.stringify(report, null, 2))
    return 0
  }
  environment.out(`dispatched ${workflow} (mode ${values.mode}) on ${values.repo}@${dispatched.ref}`)
  environment.out(dispatched.runUrl ?? dispatched.workflowUrl)
  return 0
}

export const dispatchCommand: Command = {
  summary: "run a data repository's sync workflow on GitHub (replay, verify, ...)",
  usage:
    'accelerando dispatch --repo owner/name [--mode sync|replay|verify] [--since <ISO time>] [--until <ISO time>]\n' +
    '                     [--dry-run] [--repair] [--ref <branch>] [--workflow sync.yml] [--json]\n' +
    '--json prints {repository, workflow, ref, inputs, runUrl, workflowUrl} (runUrl null when GitHub does not report it).\n' +
    'Needs GITHUB_TOKEN with permission to run workflows (actions: write). GITHUB_API_URL for GitHub Enterprise.',
  run: (args) => runDispatchCommand(args),
}
