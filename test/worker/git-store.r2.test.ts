import { env } from 'cloudflare:workers'
import { reset } from 'cloudflare:test'
import { afterEach } from 'vitest'
import { R2ObjectStore } from '../../worker/r2-object-store.ts'
import { describeGitStoreContract } from '../contract/git-store-contract.ts'

afterEach(async () => {
  await reset()
})

describeGitStoreContract('R2 inside workerd', () => new R2ObjectStore(env.BUCKET))
