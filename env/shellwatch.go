package env

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
)

// ShellOptions are RunOptions plus the watcher that may run beside the shell.
type ShellOptions struct {
	RunOptions
	Watch bool
	Host  Host
	Build BuildOptions
	// Notice gets the watcher's lines, written so they do not break a terminal in
	// raw mode.
	Notice io.Writer
}

// RunShell runs the shell (or a command) like Run; with Watch, the project's inputs
// are watched beside it: a change rebuilds the image in the background, and then,
// per on_change, the user is told (notify), the changed manifests are installed into
// the running container (apply), or the shell is reopened in the new image once the
// user leaves it (restart).
func RunShell(ctx context.Context, eng Engine, p *Project, opt ShellOptions) error {
	if !opt.Watch {
		return Run(ctx, eng, p, opt.RunOptions)
	}
	for {
		// The container's name is fixed up front: apply execs into it.
		target := containerName(p.Spec.Name)
		if p.Spec.Persistent {
			target = persistentName(p)
		}
		opt.RunOptions.Name = target
		var mu sync.Mutex
		var next *Project // a newer image, for restart
		watchCtx, stopWatch := context.WithCancel(ctx)
		watchDone := make(chan struct{})
		go func() {
			defer close(watchDone)
			_ = Watch(watchCtx, eng, WatchOptions{
				Dir: opt.Cwd, Host: opt.Host, Info: opt.Build.Info, Out: io.Discard, Quiet: 0,
				OnEvent: func(ev WatchEvent) {
					switch ev.Kind {
					case WatchRebuilding:
						notice(opt.Notice, "inputs changed (%s): rebuilding the environment in the background", strings.Join(ev.Changed, ", "))
					case WatchFailed:
						notice(opt.Notice, "rebuild failed: %v; this shell keeps the image it has", ev.Err)
					case WatchReady:
						if ev.Project.Tag == p.Tag {
							return
						}
						switch p.Spec.OnChange {
						case OnChangeApply:
							applyChanges(watchCtx, eng, target, ev.Project, ev.Changed, opt.Notice)
						case OnChangeRestart:
							if len(opt.Cmd) > 0 {
								// A command is not run twice: reopening is for shells.
								notice(opt.Notice, "new environment ready (%s): the next devenv run uses it", ev.Project.Tag)
								return
							}
							mu.Lock()
							next = ev.Project
							mu.Unlock()
							notice(opt.Notice, "new environment ready (%s): type exit to reopen this shell in it", ev.Project.Tag)
						default:
							notice(opt.Notice, "new environment ready (%s): leave this shell and run devenv shell again to use it", ev.Project.Tag)
						}
					}
				},
			})
		}()
		err := Run(ctx, eng, p, opt.RunOptions)
		stopWatch()
		<-watchDone
		code := 0
		var exit *ExitError
		if errors.As(err, &exit) {
			code = exit.Code
		} else if err != nil {
			return err
		}
		mu.Lock()
		restart := next
		mu.Unlock()
		if restart == nil || ctx.Err() != nil {
			if code != 0 {
				return &ExitError{Code: code}
			}
			return nil
		}
		notice(opt.Notice, "reopening the shell in %s", restart.Tag)
		p = restart
	}
}

// applyChanges runs the install commands of the groups whose files changed inside the
// running container, as root, in a scratch copy of those files, as the build did, so
// the running shell gets the new packages without a restart.
func applyChanges(ctx context.Context, eng ContainerEngine, container string, p *Project, changed []string, out io.Writer) {
	changedSet := map[string]bool{}
	for _, c := range changed {
		changedSet[c] = true
	}
	for _, g := range p.Spec.Groups {
		hit := false
		for _, f := range g.Files {
			hit = hit || changedSet[f]
		}
		if !hit || len(g.Install) == 0 {
			continue
		}
		script := applyScript(p.Spec, g)
		var log bytes.Buffer
		env := []string{}
		if p.Spec.CABundle != "" {
			env = append(env, CAEnv()...)
		}
		env = append(env, proxyEnv()...)
		code, err := eng.Exec(ctx, container, []string{"/bin/sh", "-c", script}, "0:0", env, &log)
		switch {
		case err != nil:
			notice(out, "could not apply %s: %v", strings.Join(g.Files, ", "), err)
		case code != 0:
			notice(out, "installing %s in this shell failed (status %d):\n%s", strings.Join(g.Files, ", "), code, lastLines(log.String(), 8))
		default:
			notice(out, "applied %s to this shell", strings.Join(g.Files, ", "))
		}
	}
}

// applyScript copies a group's files from the mounted project into a scratch
// directory laid out like the workdir, runs the group's install commands there, and
// removes the copy: the project itself is never written.
func applyScript(s *Spec, g Group) string {
	var b strings.Builder
	b.WriteString("set -e\nscratch=$(mktemp -d)\ntrap 'rm -rf \"$scratch\"' EXIT\n")
	for _, f := range g.Files {
		fmt.Fprintf(&b, "mkdir -p \"$scratch\"/%s && cp %s \"$scratch\"/%s\n",
			shellQuote(path.Dir(f)), shellQuote(path.Join(s.Workdir, f)), shellQuote(f))
	}
	b.WriteString("cd \"$scratch\"\n")
	for _, cmd := range g.Install {
		fmt.Fprintf(&b, "(%s)\n", cmd)
	}
	return b.String()
}

// notice writes one line for a person at a terminal that may be in raw mode: it starts
// on a fresh line and ends with CR LF, so the shell's own output is not garbled.
func notice(w io.Writer, format string, args ...any) {
	if w == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	fmt.Fprintf(w, "\r\n[devenv] %s\r\n", msg)
}
