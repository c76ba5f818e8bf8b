package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "complete -o bashdefault -o default -F _devenv_complete devenv",
		"zsh":        "compdef _devenv devenv",
		"fish":       "complete -c devenv",
		"powershell": "Register-ArgumentCompleter -Native -CommandName devenv",
	} {
		t.Run(shell, func(t *testing.T) {
			f, out, errOut := testFactory(nil)
			if code := runApp(t, f, nil, "completion", shell); code != exitOK {
				t.Fatalf("exit status %d: %s", code, errOut)
			}
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s script does not hold %q:\n%s", shell, want, out)
			}
			if shell != "fish" && !strings.Contains(out.String(), "--generate-bash-completion") {
				t.Errorf("%s script does not ask devenv for completions", shell)
			}
			if shell == "fish" && !strings.Contains(out.String(), "doctor") {
				t.Errorf("fish script lacks the doctor command:\n%s", out)
			}
		})
	}
}

func TestBashCompletionIsValid(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here")
	}
	f, out, _ := testFactory(nil)
	runApp(t, f, nil, "completion", "bash")
	script := filepath.Join(t.TempDir(), "devenv.bash")
	if err := os.WriteFile(script, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(bash, "-n", script).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v: %s", err, msg)
	}
}

func TestCompletionUsage(t *testing.T) {
	for args, want := range map[string]string{
		"completion":      "completion needs one shell: devenv completion bash|zsh|fish|powershell",
		"completion tcsh": `completion "tcsh": devenv completes for bash, zsh, fish, powershell`,
	} {
		f, out, errOut := testFactory(nil)
		if code := runApp(t, f, nil, strings.Fields(args)...); code != exitUsage || !strings.Contains(errOut.String(), want) || out.Len() != 0 {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", args, code, errOut, exitUsage, want)
		}
	}
}

// The top-level candidates come from urfave/cli, which reads os.Args: the end-to-end
// script completion.txtar checks them with the real binary.
func TestCompletionCandidates(t *testing.T) {
	f, out, _ := testFactory(nil)
	runApp(t, f, nil, "completion", "--generate-bash-completion")
	if !strings.HasPrefix(out.String(), "bash\nzsh\nfish\npowershell\n") {
		t.Errorf("completion's candidates = %q", out)
	}
}
