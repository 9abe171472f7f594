/**
 * The Action's entry (`dist/index.js` is this file bundled): read the inputs, run the engine, set
 * the outputs and the job summary, and fail the step on any error. Everything else lives elsewhere.
 */
import * as core from '@actions/core'
import { context } from '@actions/github'
import { coreLogger } from './core-logger.ts'
import { countsOf, runMode } from './engine/index.ts'
import { Git } from './git.ts'
import { gitHubRunOf } from './github-run.ts'
import { readSettings } from './input-helper.ts'
import { writeJobSummary } from './job-summary.ts'
import { progressReporter } from './progress.ts'
import { S3ObjectStore } from './s3-object-store.ts'

export async function run(): Promise<void> {
  let objects: S3ObjectStore | undefined
  try {
    const { repositoryUrl, runUrl } = gitHubRunOf(context)
    // The checkout's path is the one runner fact the context does not carry.
    const settings = readSettings((name) => core.getInput(name), { workspace: process.env.GITHUB_WORKSPACE, repositoryUrl })
    // Masked before anything can print them.
    core.setSecret(settings.bucket.secretAccessKey)
    core.setSecret(settings.bucket.accessKeyId)
    objects = new S3ObjectStore(settings.bucket)
    const result = await runMode(
      {
        objects,
        git: new Git(settings.repositoryPath),
        branch: settings.branch,
        committer: settings.committer,
        repository: settings.repository,
        logger: coreLogger,
        // A workflow log is no terminal: a line per phase, and one every 10 s while a long phase runs.
        progress: progressReporter({ write: (text) => core.info(text.trimEnd()), live: false }, { intervalMs: 10_000 }),
      },
      settings.run,
    )
    const counts = countsOf(result)
    core.setOutput('synced', counts.synced)
    core.setOutput('commits', counts.commits)
    core.setOutput('quarantined', counts.quarantined)
    core.setOutput('remaining', counts.remaining)
    core.setOutput('drift', counts.drift)
    core.setOutput('head-sha', counts.headSha ?? '')
    if (counts.quarantined > 0) core.warning(`${counts.quarantined} pending entr${counts.quarantined === 1 ? 'y was' : 'ies were'} quarantined; see the job summary${runUrl === undefined ? '' : ` at ${runUrl}`}`)
    if (process.env.GITHUB_STEP_SUMMARY) await writeJobSummary(core.summary, result, settings.repository)
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  } finally {
    objects?.destroy()
  }
}

await run()
