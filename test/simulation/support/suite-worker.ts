/** A worker thread running its share of a suite's schedules (see `runSuite`). */
import { parentPort, workerData } from 'node:worker_threads'
import { runShare, type SuiteOptions } from './suite.ts'

const share = await runShare(workerData as SuiteOptions & { offset: number; stride: number })
parentPort?.postMessage(share)
