/**
 * The Worker's bindings type is generated for the worker's own tsconfig only. The simulation runs the Worker's
 * error mapping (error-envelope.ts) in Node, whose types name `Env` without needing any of it.
 */
interface Env {}
