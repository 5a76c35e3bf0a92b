export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml'

/**
 * Colour policy, decided once per run: --no-color and a non-empty NO_COLOR turn colours off;
 * FORCE_COLOR turns them on even without a terminal (chalk reads it itself).
 */
export function decideColor(noColorFlag: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const off = noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')
  if (off) {
    env.FORCE_COLOR = '0'
    return false
  }
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true
  return Boolean(process.stdout.isTTY) && env.TERM !== 'dumb'
}
