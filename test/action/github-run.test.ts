import { describe, expect, it } from 'vitest'
import { gitHubRunOf } from '../../action/github-run.ts'

// @actions/github builds its `context` from the runner's variables when it is first imported: set them the way
// a GitHub Enterprise runner does, then import it (each test file has its own module registry).
Object.assign(process.env, {
  GITHUB_SERVER_URL: 'https://ghe.acme.example/',
  GITHUB_REPOSITORY: 'acme/books',
  GITHUB_RUN_ID: '16042',
  GITHUB_EVENT_PATH: '',
})
const { context } = await import('@actions/github')

describe('gitHubRunOf', () => {
  it("reads the repository's and the run's URLs from @actions/github's context", () => {
    expect(gitHubRunOf(context)).toEqual({
      repositoryUrl: 'https://ghe.acme.example/acme/books',
      runUrl: 'https://ghe.acme.example/acme/books/actions/runs/16042',
    })
  })

  it('knows neither outside a run that names its repository, and no run without a run id', () => {
    const unnamed = { serverUrl: 'https://github.com', runId: Number.NaN, get repo(): { owner: string; repo: string } { throw new Error('context.repo requires a GITHUB_REPOSITORY') } }
    expect(gitHubRunOf(unnamed)).toEqual({ repositoryUrl: undefined, runUrl: undefined })
    expect(gitHubRunOf({ serverUrl: 'https://github.com', runId: Number.NaN, repo: { owner: 'acme', repo: 'books' } })).toEqual({ repositoryUrl: 'https://github.com/acme/books', runUrl: undefined })
  })
})
