import {Args, Command} from '@oclif/core'
import {oneLine} from '../lib/cli/base-command.js'
import {ExitCode} from '../lib/errors.js'
import {COMPLETION_SCRIPTS} from '../lib/completion/scripts.js'

export default class Completion extends Command {
  static override summary = 'Print a shell completion script (bash, zsh, fish) or the kubectl completion helper.'
  static override description = `bash, zsh and fish: a script that completes kubectl-srs commands, flags and the SRS workloads of the cluster. Load it from your shell's startup file.

kubectl: the kubectl_complete-srs helper. kubectl 1.26 and later run it for "kubectl srs <TAB>" when it is on the PATH next to kubectl-srs (npm installs ship it already).`
  static override examples = [
    {description: 'bash, for this shell', command: 'source <(<%= config.bin %> completion bash)'},
    {description: 'zsh, for every shell', command: '<%= config.bin %> completion zsh > "${fpath[1]}/_kubectl-srs"'},
    {description: 'fish', command: '<%= config.bin %> completion fish > ~/.config/fish/completions/kubectl-srs.fish'},
    {description: '"kubectl srs <TAB>" with kubectl 1.26+ (krew installs)', command: '<%= config.bin %> completion kubectl > ~/.local/bin/kubectl_complete-srs && chmod +x ~/.local/bin/kubectl_complete-srs'},
  ]
  static override args = {
    shell: Args.string({description: 'The shell (bash, zsh, fish), or kubectl for the kubectl_complete-srs helper.', options: Object.keys(COMPLETION_SCRIPTS), required: true, ignoreStdin: true}),
  }

  public async run(): Promise<void> {
    // "completion __complete <words...>" answers one completion request; its words are not ours
    // to parse, so it is handled before parsing, which takes exactly one SHELL.
    if (this.argv[0] === '__complete') {
      const [{answerCompletion}, {specsFromCommands}] = await Promise.all([import('../lib/completion/main.js'), import('../lib/completion/specs.js')])
      await answerCompletion(this.argv.slice(1), specsFromCommands(this.config.commands))
      return
    }
    const {args} = await this.parse(Completion)
    process.stdout.write(COMPLETION_SCRIPTS[args.shell]!)
  }

  protected override async catch(err: Error & {oclif?: {exit?: number}}): Promise<unknown> {
    if (err.oclif?.exit === 0) return super.catch(err)
    ;(this as unknown as {parsed: boolean}).parsed = true // a usage error, not a command that forgot to parse
    // The same one-line usage error as the other commands (it takes no cluster flags, so it is not one of them).
    const shell = /^Expected (.*) to be one of: (.*)$/s.exec(oneLine(err.message))
    const message = shell ? `invalid value for <shell>: "${shell[1]}" is not a shell this command knows` : oneLine(err.message)
    const hint = shell ? `use one of: ${shell[2]!.trim()}` : "see 'kubectl srs completion --help'"
    process.stderr.write(`error: ${message}\nhint: ${hint}\n`)
    process.exitCode = ExitCode.Usage
  }
}
