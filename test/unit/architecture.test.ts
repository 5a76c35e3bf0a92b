/**
 * The import arrows of docs/architecture.md, checked against the source: the doc's table says
 * which rooms each room may import code from; type-only imports may point anywhere (they vanish
 * at build time), except that nothing points into src/commands.
 */
import {describe, expect, test} from '@jest/globals'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const ROOT = path.resolve(import.meta.dirname, '../..')
const SRC = path.join(ROOT, 'src')

interface Import {
  from: string
  /** The imported file (relative to src/), or the package name. */
  to: string
  typeOnly: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))
}

/** Every import of a file: static, re-exports, import() and import('x').T types. */
function importsOf(file: string): Import[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true)
  const from = path.relative(SRC, file)
  const found: Import[] = []
  const add = (spec: string, typeOnly: boolean) => {
    const to = spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'))) : spec
    found.push({from, to, typeOnly})
  }
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const clause = n.importClause
      const bindings = clause?.namedBindings
      const allTypes = !!clause && !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)
      add(n.moduleSpecifier.text, !!clause?.isTypeOnly || allTypes)
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      add(n.moduleSpecifier.text, n.isTypeOnly)
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      add(n.arguments[0].text, false)
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      add(n.argument.literal.text, true)
    }
    ts.forEachChild(n, visit)
  }
  visit(sf)
  return found
}

/** The room of a file under src/: its folder (srs/api and srs/conf are rooms of their own; lib's own files are "lib"). */
function roomOf(file: string): string {
  const parts = file.split(path.sep)
  if (parts[0] === 'commands') return 'commands'
  if (parts.length === 2) return 'lib'
  if (parts[1] === 'srs' && parts.length > 3) return `srs/${parts[2]}`
  return parts[1]!
}

/** The arrows table of docs/architecture.md: room → rooms it may import code from ("any" for commands). */
function documentedArrows(): Map<string, string[] | 'any'> {
  const doc = readFileSync(path.join(ROOT, 'docs/architecture.md'), 'utf8')
  const arrows = new Map<string, string[] | 'any'>()
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    const m = /^`(?:src\/lib\/|src\/)?([\w/]+)\/?`$/.exec(cells[1] ?? '')
    if (!m || cells.length < 5) continue
    const may = cells[3]!
    arrows.set(m[1]!, /\bany\b/.test(may) ? 'any' : [...may.matchAll(/`([\w/]+)`/g)].map((x) => x[1]!))
  }
  return arrows
}

const files = sourceFiles(SRC)
const imports = files.flatMap(importsOf)
const local = imports.filter((i) => !path.isAbsolute(i.to) && (i.to.startsWith('commands') || i.to.startsWith('lib')))

describe('docs/architecture.md: the arrows between rooms hold in the source', () => {
  const arrows = documentedArrows()

  test('the doc names every room there is', () => {
    expect([...new Set(files.map((f) => roomOf(path.relative(SRC, f))))].filter((r) => !arrows.has(r)).sort()).toEqual([])
  })

  test('every import of code follows an arrow of the doc', () => {
    const wrong = local
      .filter((i) => !i.typeOnly && roomOf(i.from) !== roomOf(i.to))
      .filter((i) => {
        const may = arrows.get(roomOf(i.from))
        return may !== 'any' && !may?.includes(roomOf(i.to))
      })
      .map((i) => `${i.from} imports ${i.to} (${roomOf(i.from)} → ${roomOf(i.to)})`)
    expect(wrong).toEqual([])
  })

  test('renderers (src/lib/view) import types only', () => {
    expect(imports.filter((i) => i.from.startsWith(`lib${path.sep}view`) && !i.typeOnly).map((i) => `${i.from} imports ${i.to}`)).toEqual([])
  })

  test('nothing imports src/commands, not even a type', () => {
    expect(local.filter((i) => !i.from.startsWith('commands') && i.to.startsWith('commands')).map((i) => `${i.from} imports ${i.to}`)).toEqual([])
  })

  test('only src/lib/kube loads @kubernetes/client-node', () => {
    expect(imports.filter((i) => i.to.startsWith('@kubernetes/client-node') && roomOf(i.from) !== 'kube').map((i) => i.from)).toEqual([])
  })
})
