/**
 * Commands and flags for completion, from what oclif knows of them: its manifest
 * (oclif.manifest.json, read without loading oclif so kubectl_complete-srs starts fast) or the
 * loaded config of a running command. Both have the same shape.
 */
import {readFileSync} from 'node:fs'
import type {CommandSpec, FlagSpec} from './complete.js'

interface OclifFlagLike {
  name?: string
  char?: string
  type?: string
  options?: readonly string[]
  summary?: string
  description?: string
  hidden?: boolean
  allowNo?: boolean
  helpGroup?: string
}

export interface OclifCommandLike {
  id: string
  summary?: string
  description?: string
  hidden?: boolean
  args?: Record<string, unknown>
  flags?: Record<string, OclifFlagLike>
}

/** The flags every command accepts; these are offered before a command is typed too. */
const GLOBAL_GROUP = 'GLOBAL'

function flagSpec(name: string, f: OclifFlagLike): FlagSpec {
  return {
    name: f.name ?? name,
    char: f.char,
    type: f.type === 'option' ? 'option' : 'boolean',
    options: f.options,
    summary: f.summary ?? f.description,
    hidden: f.hidden,
    allowNo: f.allowNo,
  }
}

export function specsFromCommands(commands: readonly OclifCommandLike[]): {commands: CommandSpec[]; globals: FlagSpec[]} {
  const globals = new Map<string, FlagSpec>()
  const specs = commands.map((c) => {
    const flags = Object.entries(c.flags ?? {}).map(([name, f]) => {
      const spec = flagSpec(name, f)
      if (f.helpGroup === GLOBAL_GROUP) globals.set(spec.name, spec)
      return spec
    })
    return {
      id: c.id,
      summary: c.summary ?? c.description,
      hidden: c.hidden,
      args: Object.keys(c.args ?? {}),
      flags,
    }
  })
  // A command's own flags do not repeat the global ones.
  for (const s of specs) s.flags = s.flags.filter((f) => !globals.has(f.name))
  if (!specs.some((s) => s.id === 'completion')) specs.push({id: 'completion', summary: 'Print a shell completion script (bash, zsh, fish) or the kubectl completion helper.', hidden: false, args: ['shell'], flags: []})
  return {commands: specs.sort((a, b) => a.id.localeCompare(b.id)), globals: [...globals.values()]}
}

export function specsFromManifest(file: string): {commands: CommandSpec[]; globals: FlagSpec[]} {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as {commands: Record<string, OclifCommandLike>}
  return specsFromCommands(Object.values(manifest.commands))
}
