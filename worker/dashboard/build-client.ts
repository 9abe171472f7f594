/**
 * Compiles the dashboard's browser code (`worker/dashboard/client/*.ts`, type-checked with the DOM library by
 * the root tsconfig) into `client-assets.generated.ts`, which the Worker serves from `/dashboard/<file>`. Each
 * module is transpiled on its own and kept a native ES module (`./x.ts` imports become `./x.js`), so the
 * browser loads them as they are: no bundler, and nothing the Worker runtime would have to compile.
 *
 *   npm run build:dashboard
 *
 * A unit test rebuilds the file in memory and fails when the committed one differs from the sources.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const HERE = fileURLToPath(new URL('.', import.meta.url))
export const CLIENT_DIR = join(HERE, 'client')
export const GENERATED_FILE = join(HERE, 'client-assets.generated.ts')

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
}

/** The text of `client-assets.generated.ts` for the sources as they are now. */
export function renderClientAssets(clientDir = CLIENT_DIR): string {
  const assets: [name: string, body: string][] = []
  for (const file of readdirSync(clientDir).sort()) {
    const source = readFileSync(join(clientDir, file), 'utf8')
    if (file.endsWith('.ts')) {
      const body = transpile(file, source)
      // A module of types only (types.ts) compiles to nothing; no module imports it at run time.
      if (body.trim() !== 'export {};') assets.push([file.replace(/\.ts$/, '.js'), body])
    } else if (file.endsWith('.css')) assets.push([file, source])
  }
  const lines = assets.map(([name, body]) => {
    const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] as string
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`
    return `  ${JSON.stringify(name)}: {\n    contentType: ${JSON.stringify(type)},\n    etag: ${JSON.stringify(etag)},\n    body: ${JSON.stringify(body)},\n  },`
  })
  return (
    '// Generated from worker/dashboard/client/ by `npm run build:dashboard` (worker/dashboard/build-client.ts).\n' +
    '// Edit the sources and rebuild; a unit test fails while this file is out of date.\n\n' +
    '/** The dashboard\'s browser files, served from `/dashboard/<name>`. */\n' +
    'export const CLIENT_ASSETS: Readonly<Record<string, { contentType: string; etag: string; body: string }>> = {\n' +
    `${lines.join('\n')}\n}\n`
  )
}

function transpile(fileName: string, source: string): string {
  const output = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      rewriteRelativeImportExtensions: true,
      verbatimModuleSyntax: true,
      removeComments: true,
      newLine: ts.NewLineKind.LineFeed,
    },
  })
  const errors = (output.diagnostics ?? []).map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
  if (errors.length > 0) throw new Error(`${fileName}: ${errors.join('; ')}`)
  return output.outputText
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_FILE, renderClientAssets())
  process.stdout.write(`wrote ${GENERATED_FILE}\n`)
}
