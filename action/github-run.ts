/**
 * The workflow run the Action is part of, as @actions/github's `context` describes it: that context reads the
 * runner's variables (GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID, ...) once, when it is imported, with
 * GitHub's defaults and the event payload as fallback; nothing else in the Action reads them.
 */
import type { context as githubContext } from '@actions/github'

export interface GitHubRun {
  /** The data repository's web URL: recorded in synced entries, and the job summary's commit links. */
  repositoryUrl: string | undefined
  /** This run's page, where the job summary is: named by the annotations that send readers to it. */
  runUrl: string | undefined
}

/**
 * @example
 * import { context } from '@actions/github'
 * const { repositoryUrl, runUrl } = gitHubRunOf(context)
 */
export function gitHubRunOf(context: Pick<typeof githubContext, 'serverUrl' | 'runId' | 'repo'>): GitHubRun {
  const repo = repoOf(context)
  if (repo === undefined) return { repositoryUrl: undefined, runUrl: undefined }
  const repositoryUrl = `${context.serverUrl.replace(/\/+$/, '')}/${repo.owner}/${repo.repo}`
  return { repositoryUrl, runUrl: Number.isSafeInteger(context.runId) ? `${repositoryUrl}/actions/runs/${context.runId}` : undefined }
}

/** `context.repo` throws outside a run that names its repository (a local `node dist/index.js`, say). */
function repoOf(context: Pick<typeof githubContext, 'repo'>): { owner: string; repo: string } | undefined {
  try {
    const { owner, repo } = context.repo
    return owner && repo ? { owner, repo } : undefined
  } catch {
    return undefined
  }
}
