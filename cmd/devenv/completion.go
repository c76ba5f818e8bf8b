package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/devenv/devenv/env/iostreams"
)

type completionOptions struct {
	io    *iostreams.IOStreams
	shell string
	app   *cli.App
}

var completionShells = []string{"bash", "zsh", "fish", "powershell"}

func newCompletionCmd(f *factory, runF func(*completionOptions) error) *cli.Command {
	cmd := &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script: bash, zsh, fish or powershell",
		ArgsUsage: "bash|zsh|fish|powershell",
		Description: "Load it in the current shell, or save it where the shell looks:\n\n" +
			"  bash:        source <(devenv completion bash)\n" +
			"               devenv completion bash > ~/.local/share/bash-completion/completions/devenv\n" +
			"  zsh:         devenv completion zsh > \"${fpath[1]}/_devenv\"\n" +
			"  fish:        devenv completion fish > ~/.config/fish/completions/devenv.fish\n" +
			"  powershell:  devenv completion powershell | Out-String | Invoke-Expression",
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return &usageError{fmt.Errorf("completion needs one shell: devenv completion %s", strings.Join(completionShells, "|"))}
			}
			opts := &completionOptions{io: f.io, shell: c.Args().First(), app: c.App}
			if runF != nil {
				return runF(opts)
			}
			return completionRun(opts)
		},
	}
	// `devenv completion <TAB>` offers the shells.
	cmd.BashComplete = func(c *cli.Context) {
		if c.NArg() == 0 {
			for _, s := range completionShells {
				fmt.Fprintln(c.App.Writer, s)
			}
		}
	}
	return cmd
}

func completionRun(opts *completionOptions) error {
	var script string
	switch opts.shell {
	case "bash":
		script = bashCompletion
	case "zsh":
		script = zshCompletion
	case "powershell", "pwsh":
		script = powershellCompletion
	case "fish":
		s, err := opts.app.ToFishCompletion()
		if err != nil {
			return fmt.Errorf("cannot write the fish completion: %w", err)
		}
		script = s
	default:
		return &usageError{fmt.Errorf("completion %q: devenv completes for %s", opts.shell, strings.Join(completionShells, ", "))}
	}
	_, err := fmt.Fprint(opts.io.Out, script)
	return err
}

// The scripts ask devenv itself what may come next (`--generate-bash-completion`), as
// urfave/cli's autocomplete examples do, so they never go stale.

const bashCompletion = `# bash completion for devenv. Load it with
#   source <(devenv completion bash)
# or save it as ~/.local/share/bash-completion/completions/devenv

_devenv_complete() {
  local cur words cword opts request
  COMPREPLY=()
  if declare -F _init_completion >/dev/null 2>&1; then
    _init_completion -n "=:" || return
  else
    cur="${COMP_WORDS[COMP_CWORD]}"
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
  words=("${words[@]:0:$cword}")
  if [[ "$cur" == "-"* ]]; then
    request="${words[*]} ${cur} --generate-bash-completion"
  else
    request="${words[*]} --generate-bash-completion"
  fi
  opts=$(eval "${request}" 2>/dev/null)
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}

complete -o bashdefault -o default -F _devenv_complete devenv
`

const zshCompletion = `#compdef devenv
# zsh completion for devenv. Save it as _devenv in a directory of $fpath:
#   devenv completion zsh > "${fpath[1]}/_devenv"
# or load it now with: source <(devenv completion zsh)

_devenv() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}

if [[ "${funcstack[1]}" == "_devenv" ]]; then
  _devenv "$@"
else
  compdef _devenv devenv
fi
`

const powershellCompletion = `# PowerShell completion for devenv. Load it with
#   devenv completion powershell | Out-String | Invoke-Expression
# or add that line to $PROFILE.

Register-ArgumentCompleter -Native -CommandName devenv -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $line = $commandAst.ToString()
    if ($wordToComplete -ne '' -and -not $wordToComplete.StartsWith('-')) {
        $line = $line.Substring(0, $line.Length - $wordToComplete.Length)
    }
    Invoke-Expression "$line --generate-bash-completion" | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
        [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
    }
}
`
