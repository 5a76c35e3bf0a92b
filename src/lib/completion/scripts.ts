/**
 * The scripts `kubectl srs completion <shell>` prints. They complete the `kubectl-srs` command
 * itself by asking `kubectl-srs completion __complete <words...>`, the same protocol kubectl uses
 * with `kubectl_complete-srs` for `kubectl srs <TAB>`; "kubectl" prints that helper, for installs
 * (krew) that ship only the kubectl-srs executable.
 */

/** The template's text as written, with the \${ that keeps a template from substituting back to ${. */
function script(strings: TemplateStringsArray): string {
  return strings.raw.join('').replaceAll('\\${', '${')
}

const BASH = script`# bash completion for kubectl-srs (kubectl srs completion bash)
# For "kubectl srs <TAB>" kubectl (1.26+) uses kubectl_complete-srs: kubectl srs completion kubectl.
_kubectl_srs_complete() {
  local line="\${COMP_LINE:0:COMP_POINT}" cur="\${COMP_WORDS[COMP_CWORD]}"
  local -a words
  read -r -a words <<< "$line"
  [[ $line == *[[:space:]] ]] && words+=("")
  local out
  out=$(kubectl-srs completion __complete "\${words[@]:1}" 2>/dev/null) || return 0
  local directive=\${out##*:}
  out=\${out%:*}
  COMPREPLY=()
  local last="\${words[\${#words[@]}-1]}" c
  while IFS= read -r c; do
    [[ -z $c ]] && continue
    c=\${c%%$'\t'*}
    # bash splits --flag=value at "=": complete only the part after it
    [[ $last == *=* && $cur != "$last" ]] && c=\${c#*=}
    COMPREPLY+=("$c")
  done <<< "$out"
  if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  (( directive & 2 )) && compopt -o nospace 2>/dev/null
  return 0
}
complete -F _kubectl_srs_complete kubectl-srs
`

const ZSH = script`#compdef kubectl-srs
# zsh completion for kubectl-srs (kubectl srs completion zsh)
# For "kubectl srs <TAB>" kubectl (1.26+) uses kubectl_complete-srs: kubectl srs completion kubectl.
_kubectl_srs() {
  local out directive l
  local -a lines cands
  out=$(kubectl-srs completion __complete "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  for l in "\${(@)lines[1,-2]}"; do
    [[ -z $l ]] && continue
    if [[ $l == *$'\t'* ]]; then
      cands+=("\${\${l%%$'\t'*}//:/\\:}:\${l#*$'\t'}")
    else
      cands+=("\${l//:/\\:}")
    fi
  done
  if (( \${#cands} )); then
    _describe -t values 'kubectl srs' cands
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _kubectl_srs "$@"
else
  compdef _kubectl_srs kubectl-srs
fi
`

const FISH = script`# fish completion for kubectl-srs (kubectl srs completion fish)
# For "kubectl srs <TAB>" kubectl (1.26+) uses kubectl_complete-srs: kubectl srs completion kubectl.
function __kubectl_srs_complete
    set -l words (commandline -opc) (commandline -ct)
    set -e words[1]
    set -l out (kubectl-srs completion __complete $words 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end
complete -c kubectl-srs -f -a '(__kubectl_srs_complete)'
`

const KUBECTL_HELPER = `#!/bin/sh
# kubectl_complete-srs: kubectl (1.26+) runs it for "kubectl srs <TAB>".
# Save it on your PATH, executable, next to kubectl-srs:
#   kubectl srs completion kubectl > ~/.local/bin/kubectl_complete-srs && chmod +x ~/.local/bin/kubectl_complete-srs
exec kubectl-srs completion __complete "$@"
`

export const COMPLETION_SCRIPTS: Record<string, string> = {bash: BASH, zsh: ZSH, fish: FISH, kubectl: KUBECTL_HELPER}
