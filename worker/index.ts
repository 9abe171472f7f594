import { createApp, r2Bucket } from './app.ts'
import { createScheduledHandler } from './scheduled.ts'

const app = createApp()

export default {
  fetch: app.fetch,
  scheduled: createScheduledHandler(r2Bucket),
} satisfies ExportedHandler<Env>
