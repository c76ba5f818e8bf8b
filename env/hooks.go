package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"syscall"

	"github.com/devenv/devenv/env/engine"
)

// Hooks: on_create and on_start, commands run in the container as the user, in the
// workdir, the way the Dev Containers CLI runs onCreateCommand and postStartCommand.
//
//   - on_start runs each time a container of the environment starts: before every
//     `devenv shell` and `devenv run` in a fresh container (the default), and once
//     when a persistent environment's warm container starts.
//   - on_create runs once per container. A persistent environment's warm container is
//     created once per image and mounts, and on_create runs when it is. A fresh
//     container per command keeps nothing but the project, its volumes and mounts, so
//     there "once" is once per image, mounts and on_create text: on_create runs in a
//     container of its own before the first command, and a labelled marker volume
//     records that it succeeded (LabelCreated). What it leaves outside the project,
//     volumes and mounts is gone with that container: install into the image with
//     setup, or set persistent = true.
//
// Their output goes to stderr, each line prefixed with the key's name; a failing hook
// ends the command with its status and one line naming it. Hooks are repository code
// that runs by itself when the user types `devenv shell`: when it would see more than
// the project (the user's identity pieces, mounts outside the project, passed
// variables), it is among what `devenv allow` is asked for (hookAsks).

// hook is one command the wrapper runs: name prefixes its lines, what names it in the
// error.
type hook struct{ name, what, cmd string }

func keyHooks(key string, cmds []string) []hook {
	var out []hook
	for _, c := range cmds {
		out = append(out, hook{name: key, what: fmt.Sprintf("the %s hook %q", key, c), cmd: c})
	}
	return out
}

// resolveHooks checks on_create and on_start.
func resolveHooks(c *Config, d decoder, s *Spec) error {
	for _, list := range []struct {
		key  string
		cmds []string
	}{{"on_create", c.OnCreate}, {"on_start", c.OnStart}} {
		for _, cmd := range list.cmds {
			if err := checkCommand(cmd); err != nil {
				return d.errf(list.key, "%s command %q %v", list.key, cmd, err)
			}
		}
	}
	s.OnCreate, s.OnStart = c.OnCreate, c.OnStart
	return nil
}

// HasHooks reports whether anything runs in the container besides the command: the
// project's hooks or the user's dotfiles.
func HasHooks(s *Spec) bool {
	return len(s.OnCreate) > 0 || len(s.OnStart) > 0 || s.Dotfiles != nil
}

// hookScript runs the hooks its arguments list, then execs the command: $1 is how
// many hooks, then three words each (name, what, command), then the command. Each
// hook's output is prefixed and sent to stderr, and its status follows it down the
// pipe on a line of its own (the empty line before it only ends a last line without
// a newline). Its stdin is /dev/null: a hook never eats what the user types. A hook
// runs in the background while the script waits for it, because a shell defers a
// trap until its foreground command ends but not a wait: Ctrl-C (SIGINT, which
// docker-init passes to this script alone) ends the script at once, and with it the
// container and the hook.
const hookScript = `trap 'exit 130' INT
trap 'exit 143' TERM
mark="devenv-hook-status-$$"
n=$1; shift
while [ "$n" -gt 0 ]; do
	name=$1 what=$2 hook=$3; shift 3; n=$((n - 1))
	{ /bin/sh -c "$hook" </dev/null 2>&1; printf '\n%s %s\n' "$mark" "$?"; } | {
		code=1 held=
		while IFS= read -r line || [ -n "$line" ]; do
			case $line in "$mark "*) code=${line#"$mark "}; continue ;; esac
			[ -n "$held" ] && printf '[%s] \n' "$name" >&2
			held=
			if [ -z "$line" ]; then held=1; continue; fi
			printf '[%s] %s\n' "$name" "$line" >&2
		done
		exit "$code"
	} &
	wait $!
	code=$?
	if [ "$code" != 0 ]; then
		printf 'devenv: %s failed with status %s\n' "$what" "$code" >&2
		exit "$code"
	fi
done
exec "$@"`

// wrapHooks is cmd run after hooks by hookScript.
func wrapHooks(hooks []hook, cmd []string) []string {
	out := []string{"/bin/sh", "-c", hookScript, "devenv-hooks", fmt.Sprint(len(hooks))}
	for _, h := range hooks {
		out = append(out, h.name, h.what, h.cmd)
	}
	return append(out, cmd...)
}

// startHooks run in every fresh container before its command: the user's dotfiles
// (the container's home starts anew from the image each time), then on_start.
func startHooks(s *Spec) []hook {
	var out []hook
	if s.Dotfiles != nil {
		out = append(out, s.Dotfiles.hook())
	}
	return append(out, keyHooks("on_start", s.OnStart)...)
}

// warmHooks run once when a persistent environment's warm container starts.
func warmHooks(s *Spec) []hook {
	out := keyHooks("on_create", s.OnCreate)
	if s.Dotfiles != nil {
		out = append(out, s.Dotfiles.hook())
	}
	return append(out, keyHooks("on_start", s.OnStart)...)
}

// hooksHash sums what the warm container ran when it started (LabelHooks): a change
// replaces it, so the new hooks run.
func hooksHash(s *Spec) string {
	if !HasHooks(s) {
		return ""
	}
	h := sha256.New()
	for _, k := range warmHooks(s) {
		fmt.Fprintf(h, "%q %q\n", k.name, k.cmd)
	}
	if s.Dotfiles != nil {
		fmt.Fprintf(h, "dotfiles %q\n", s.Dotfiles.Dir)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// withStartHooks makes a fresh container's command run startHooks first.
func withStartHooks(s *Spec, req engine.RunRequest) engine.RunRequest {
	if hooks := startHooks(s); len(hooks) > 0 {
		req.Cmd = wrapHooks(hooks, req.Cmd)
	}
	return req
}

// Prepare does, before the terminal goes raw, what may run hooks apart from the
// command: the trust check, the dotfiles' clone, on_create in a fresh environment, and
// a persistent environment's warm container with its hooks. A Ctrl-C typed meanwhile
// is then a signal, delivered on opt.Signals. Run does the same when it was not done.
func Prepare(ctx context.Context, eng Engine, p *Project, opt RunOptions) error {
	if err := CheckTrust(p.Spec); err != nil {
		return err
	}
	if !HasHooks(p.Spec) {
		return nil
	}
	if err := ensureMountVolumes(ctx, eng, eng, p); err != nil {
		return err
	}
	if err := ensureDotfiles(ctx, p.Spec.Dotfiles); err != nil {
		return err
	}
	if p.Spec.Persistent {
		_, err := warmContainer(ctx, eng, p, RunRequest(p, opt, runtime.GOOS))
		return err
	}
	return ensureCreated(ctx, eng, p, opt)
}

// createdHash is what a fresh environment's on_create ran for: the image, the mounts,
// the [env] values (no longer part of the image) and the hook's text.
func createdHash(p *Project) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", p.Fingerprint, mountsHash(userMounts(p.Spec, runtime.GOOS)), envHash(p.Spec))
	for _, c := range p.Spec.OnCreate {
		fmt.Fprintf(h, "%d:%s\n", len(c), c)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ensureCreated runs on_create of a fresh environment in a container of its own,
// unless a marker volume says it ran for this image, these mounts and this text.
func ensureCreated(ctx context.Context, eng Engine, p *Project, opt RunOptions) error {
	s := p.Spec
	if len(s.OnCreate) == 0 || s.Persistent {
		return nil
	}
	sum := createdHash(p)
	have, err := eng.Volumes(ctx, map[string]string{LabelProject: s.Root, LabelCreated: sum})
	if err != nil {
		return err
	}
	if len(have) > 0 {
		return nil
	}
	req := RunRequest(p, RunOptions{Cmd: wrapHooks(keyHooks("on_create", s.OnCreate), []string{"true"}), Cwd: opt.Cwd,
		Stdout: opt.Stderr, Stderr: opt.Stderr, Signals: opt.Signals}, runtime.GOOS)
	req.Ports = nil // the command's container takes them next
	code, err := eng.Run(ctx, req)
	if err != nil {
		return err
	}
	if code != 0 {
		return &ExitError{Code: code} // the hook's line says which
	}
	labels := projectLabels(s)
	labels[LabelCreated] = sum
	return eng.EnsureVolume(ctx, VolumeName(s.Name, "created-"+sum), labels)
}

// runWarmHooks runs warmHooks in the warm container just started. A failed or
// interrupted hook removes the container: the next command starts a new one, and
// runs the hooks again.
func runWarmHooks(ctx context.Context, eng ContainerEngine, p *Project, id string, req engine.RunRequest) error {
	hooks := warmHooks(p.Spec)
	if len(hooks) == 0 {
		return nil
	}
	remove := func() {
		_ = eng.RemoveContainer(context.WithoutCancel(ctx), id, true)
	}
	var sig syscall.Signal
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case s := <-req.Signals:
			sig, _ = s.(syscall.Signal)
			if sig == 0 {
				sig = syscall.SIGINT
			}
			remove()
		case <-done:
		}
	}()
	code, err := eng.ExecAttached(ctx, engine.ExecRequest{
		Container: id, Cmd: wrapHooks(hooks, []string{"true"}), Workdir: req.Workdir, User: req.User, Env: req.Env,
		Stdout: orDiscard(req.Stderr), Stderr: orDiscard(req.Stderr),
	})
	close(done)
	<-stopped
	if sig != 0 {
		return &ExitError{Code: 128 + int(sig)}
	}
	if err == nil && code != 0 {
		err = &ExitError{Code: code}
	}
	if err != nil {
		remove()
	}
	return err
}

// hookAsks are the hooks' lines of what the project asks for: a hook runs by itself,
// with whatever the environment passes from beyond the project in reach.
func hookAsks(s *Spec) []string {
	if len(s.OnCreate) == 0 && len(s.OnStart) == 0 {
		return nil
	}
	var sees []string
	id := s.Identity
	for _, piece := range []struct {
		on   bool
		what string
	}{{id.SSHAgent, "your ssh agent"}, {id.Git, "your git config"}, {id.KnownHosts, "your known_hosts"}, {id.Worktree, "a worktree's git directory"}} {
		if piece.on {
			sees = append(sees, piece.what)
		}
	}
	for _, m := range s.Mounts {
		if m.Outside {
			sees = append(sees, "your "+m.Source)
		}
	}
	for _, k := range s.PassEnv {
		sees = append(sees, "$"+k)
	}
	if len(sees) == 0 {
		return nil
	}
	reach := strings.Join(sees, ", ")
	var asks []string
	for _, h := range append(keyHooks("on_create", s.OnCreate), keyHooks("on_start", s.OnStart)...) {
		asks = append(asks, fmt.Sprintf("%s: runs %q by itself, with %s in reach", h.name, h.cmd, reach))
	}
	return asks
}

// preferredShell is the shell command: the user's preferred shell where the image has
// it, else bash, else sh.
func preferredShell(user string) []string {
	script := "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"
	if user != "" {
		script = fmt.Sprintf("if command -v %[1]s >/dev/null 2>&1; then exec %[1]s; elif command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi", user)
	}
	return []string{"/bin/sh", "-c", script}
}

// identityOrigins records where each identity switch's value came from.
func identityOrigins(origins map[string]string, user, project map[string]bool) {
	for _, k := range IdentityKeys {
		from := FromDefault
		if v, set := user[k]; set && !v {
			from = FromUser
		} else if v, set := project[k]; set && !v {
			from = FromProject
		}
		origins["identity."+k] = from
	}
}
