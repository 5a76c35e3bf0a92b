import {Command, Flags, Interfaces} from '@oclif/core'
import {ExitCode, SrsError, UsageError} from '../errors.js'
import type {KubeClient} from '../kube/client.js'
import {resolveKubeconfig, type ResolvedKubeconfig} from '../kube/kubeconfig.js'
import {durationFlag, validateNamespace} from './flags.js'
import {decideColor, type OutputFormat} from './output.js'
import type {RolloutProgress} from '../rollout/progress.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/**
 * The base of every kubectl-srs command: kubectl's global flags (accepted after the subcommand,
 * which is where kubectl passes them), lazy creation of the Kubernetes client, output selection,
 * spinners on a TTY only, and the one error path that maps failures to messages and exit codes.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    namespace: Flags.string({char: 'n', description: 'Namespace to act in (default: the context\'s namespace, else "default").', helpGroup: 'GLOBAL', helpValue: '<name>'}),
    kubeconfig: Flags.string({description: 'Path to the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).', helpGroup: 'GLOBAL', helpValue: '<path>'}),
    context: Flags.string({description: 'The kubeconfig context to use.', helpGroup: 'GLOBAL', helpValue: '<name>'}),
    cluster: Flags.string({description: 'The kubeconfig cluster to use.', helpGroup: 'GLOBAL', helpValue: '<name>'}),
    user: Flags.string({description: 'The kubeconfig user to use.', helpGroup: 'GLOBAL', helpValue: '<name>'}),
    'request-timeout': durationFlag({description: 'Time to wait for one API request (30s, 5m, 1h; 0 means no limit).', default: 30_000, helpGroup: 'GLOBAL'}),
    'no-color': Flags.boolean({description: 'Print without colours (also when NO_COLOR is set).', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({char: 'v', description: 'Log API requests to stderr and print stack traces of errors.', helpGroup: 'GLOBAL'}),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  /** Every positional argument as given (for commands with strict = false, which take a list). */
  protected positionals: string[] = []
  private kubeconfigCache?: ResolvedKubeconfig
  private kubeClient?: Promise<KubeClient>

  public override async init(): Promise<void> {
    await super.init()
    try {
      refuseValuesOfBooleans(this.argv, {...(super.ctor as typeof BaseCommand).baseFlags, ...this.ctor.flags})
    } finally {
      ;(this as unknown as {parsed: boolean}).parsed = true // a usage error, not a command that forgot to parse
    }
    const {args, flags, argv} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      args: argsIgnoringStdin(this.ctor.args),
      strict: this.ctor.strict,
    }).finally(() => {
      // A parse error is reported as a usage error; oclif would add a "did not parse" warning.
      ;(this as unknown as {parsed: boolean}).parsed = true
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.positionals = argv.map(String)
    if (this.flags.namespace !== undefined) validateNamespace(this.flags.namespace)
    decideColor(this.flags['no-color'])
  }

  /** The kubeconfig as kubectl would resolve it for these flags. */
  protected kubeconfig(): ResolvedKubeconfig {
    this.kubeconfigCache ??= resolveKubeconfig({
      kubeconfig: this.flags.kubeconfig,
      context: this.flags.context,
      cluster: this.flags.cluster,
      user: this.flags.user,
      namespace: this.flags.namespace,
    })
    return this.kubeconfigCache
  }

  /** The Kubernetes client, created on first use (this is where client-node gets loaded). */
  protected kube(): Promise<KubeClient> {
    this.kubeClient ??= (async () => {
      const config = this.kubeconfig()
      const {createKubeClient} = await import('../kube/client.js')
      return createKubeClient(config, {
        requestTimeoutMs: this.flags['request-timeout'],
        verbose: this.flags.verbose ? (line) => process.stderr.write(`I ${line}\n`) : undefined,
      })
    })()
    return this.kubeClient
  }

  /** Prints a result: JSON/YAML documents are the result object itself; tables are rendered from it. */
  protected async emit<R>(result: R, format: OutputFormat, human: (r: R) => string): Promise<void> {
    if (format === 'json') {
      process.stdout.write(JSON.stringify(result, null, 2) + '\n')
    } else if (format === 'yaml') {
      const {toYaml} = await import('./yaml.js')
      process.stdout.write(toYaml(result))
    } else {
      const text = human(result)
      if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
    }
  }

  /**
   * A spinner on stderr, only when stderr is a terminal it can draw on and the output is for
   * humans. A terminal that reports 0 columns (some CI ptys, `stty cols 0`) gets none: ora
   * counts the lines to clear as width / columns, and clearing Infinity lines blocks the process
   * (megabytes of escapes, deaf to SIGTERM).
   */
  protected async spinner(text: string, format: OutputFormat = 'table'): Promise<Spinner> {
    if (!canDrawSpinner(process.stderr) || format === 'json' || format === 'yaml') return silentSpinner
    const {default: ora} = await import('ora')
    const s = ora({text, stream: process.stderr}).start()
    let live = true
    const finish = (end: () => void) => {
      if (!live) return
      live = false
      process.stderr.off('resize', onResize)
      end()
    }
    // A terminal resized to nothing while spinning: stop drawing rather than hang.
    const onResize = () => {
      if (!canDrawSpinner(process.stderr)) finish(() => s.stop())
    }
    process.stderr.on('resize', onResize)
    return {
      update: (t) => {
        if (live) s.text = t
      },
      succeed: (t) => finish(() => s.succeed(t)),
      fail: (t) => finish(() => s.fail(t)),
      stop: () => finish(() => s.stop()),
    }
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (err instanceof SrsError) {
      this.printError(err.message, err.hint, err)
      process.exitCode = err.exitCode
      return
    }
    // oclif's own parse errors (unknown flag, missing argument): usage errors, exit 2.
    if (typeof err.oclif?.exit === 'number') {
      if (err.oclif.exit === 0) return super.catch(err)
      const isParse = /Parse|Flag|Arg|Validation|Nonexistent/i.test(err.constructor?.name ?? '') || err.oclif.exit === 2
      this.printError(err.message, isParse ? `see 'kubectl srs ${this.id ?? ''} --help'` : undefined, err)
      process.exitCode = isParse ? ExitCode.Usage : err.oclif.exit
      return
    }
    this.printError(err.message || String(err), 'run again with -v for details', err)
    process.exitCode = ExitCode.Failed
  }

  private printError(message: string, hint: string | undefined, err: Error): void {
    const verbose = this.flags?.verbose ?? process.argv.includes('-v') ?? process.argv.includes('--verbose')
    process.stderr.write(`error: ${oneLine(message)}\n`)
    if (hint) process.stderr.write(`hint: ${hint}\n`)
    if (verbose && err.stack) process.stderr.write(err.stack + '\n')
  }
}

/**
 * `--dry-run=yes` is no way to pass a switch: oclif reads it as an argument and reports something
 * unrelated ("Unexpected argument"), or takes the word as the workload. Refused here, naming the flag.
 */
export function refuseValuesOfBooleans(argv: string[], flags: Record<string, {type?: string; allowNo?: boolean}>): void {
  for (const arg of argv) {
    if (arg === '--') return
    const m = /^--([^=]+)=(.*)$/s.exec(arg)
    if (!m) continue
    const name = m[1]!
    const negated = name.startsWith('no-') && flags[name.slice(3)]?.type === 'boolean' && flags[name.slice(3)]?.allowNo
    if (flags[name]?.type === 'boolean' || negated) {
      throw new UsageError(`invalid value for --${name}: it takes no value, got "${arg}"`, `give the switch alone: --${name}`)
    }
  }
}

/**
 * oclif takes piped stdin as the value of a missing argument: `echo pw | kubectl srs status
 * --api-password-file -` would make the password the WORKLOAD (and print it in the error), and
 * leave nothing for "-" to read. Stdin is only ever read where a flag says "-".
 */
function argsIgnoringStdin<A extends Record<string, object>>(args: A | undefined): A {
  return Object.fromEntries(Object.entries(args ?? {}).map(([name, arg]) => [name, {...arg, ignoreStdin: true}])) as A
}

/** oclif wraps flag errors over several lines ("Parsing --x", "See more help with --help"): keep one line. */
export function oneLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(The following errors? occurred:?|See more help with --help|Error:)$/.test(l))
    .map((l) => l.replace(/^Error: /, '').replace(/^Missing required flag (\w[\w-]*)$/, 'missing required flag --$1'))
  // "Parsing --flag" followed by our own message, which names the flag already
  const text = lines.length > 1 && /^Parsing --\S+$/.test(lines[0]!) ? lines.slice(1).join(' ') : lines.join(' ')
  return text || message
}

/** A terminal a spinner can redraw in place: a TTY with a known, non-zero width. */
export function canDrawSpinner(stream: {isTTY?: boolean; columns?: number}): boolean {
  return Boolean(stream.isTTY) && typeof stream.columns === 'number' && stream.columns > 0
}

/** The rollout executor's progress, plus how a command ends it. */
export interface Spinner extends RolloutProgress {
  succeed(text: string): void
  fail(text: string): void
}

const silentSpinner: Spinner = {update() {}, succeed() {}, fail() {}, stop() {}}
