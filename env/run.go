package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// ExitError is a command in the container that ended with a non-zero status; devenv
// exits with the same status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string {
	return "the command in the container exited with status " + strconv.Itoa(e.Code)
}

// RunOptions describe one command run in the environment.
type RunOptions struct {
	Name   string   // the container's name; "" picks a fresh one
	Cmd    []string // nil: the project's shell
	Cwd    string   // the host directory the user stands in
	TTY    bool
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Resize <-chan [2]uint
	// Signals are forwarded to the container's process.
	Signals <-chan os.Signal
	// LaunchSpare starts, in a process of its own, the next command's container
	// from the order it is given (spare.go); nil: no spare is used or left.
	LaunchSpare func(order []byte) error
}

// RunRequest is the container devenv starts for a command: the project root bind
// mounted at workdir, the working directory where the user stands, and the host user.
func RunRequest(p *Project, opt RunOptions, goos string) engine.RunRequest {
	s := p.Spec
	cmd := opt.Cmd
	if len(cmd) == 0 {
		cmd = s.Shell
	}
	env := []string{"HOME=" + s.User.Home, "USER=" + s.User.Name}
	if opt.TTY {
		term := os.Getenv("TERM")
		if term == "" {
			term = "xterm"
		}
		env = append(env, "TERM="+term)
	}
	env = append(env, proxyEnv()...)
	for _, k := range sortedKeys(s.Env) {
		env = append(env, k+"="+s.Env[k])
	}
	for _, k := range s.PassEnv {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	name := opt.Name
	if name == "" {
		name = containerName(s.Name)
	}
	mounts := []engine.Mount{{Source: HostPathForEngine(s.Root, goos), Target: s.Workdir}}
	if s.CABundle != "" {
		mounts = append(mounts, engine.Mount{Source: HostPathForEngine(s.CABundle, goos), Target: CAPath, ReadOnly: true})
		env = append(env, CAEnv()...)
	}
	idMounts, idEnv, notes := identityMounts(s, currentIdentitySources(), goos)
	mounts, env = append(mounts, idMounts...), append(env, idEnv...)
	for _, n := range notes {
		// The environment still starts, without the piece; raw mode needs the \r.
		end := "\n"
		if opt.TTY {
			end = "\r\n"
		}
		fmt.Fprint(orDiscard(opt.Stderr), "devenv: "+n+end)
	}
	mounts = append(mounts, userMounts(s, goos)...)
	if s.Dotfiles != nil {
		mounts = append(mounts, s.Dotfiles.mount(goos))
	}
	mounts = syncedTree(p, mounts, goos, opt)
	network := ""
	if len(s.Services) > 0 {
		network = ServiceNetwork(s) // the services are reachable there by name
	}
	return engine.RunRequest{
		Image:   p.Tag,
		Name:    name,
		Cmd:     cmd,
		Workdir: ContainerWorkdir(s.Root, opt.Cwd, s.Workdir),
		User:    fmt.Sprintf("%d:%d", s.User.UID, s.User.GID),
		Env:     env,
		Mounts:  mounts,
		Ports:   s.Ports,
		Labels:  runLabels(p),
		TTY:     opt.TTY,
		Stdin:   opt.Stdin,
		Stdout:  opt.Stdout,
		Stderr:  opt.Stderr,
		Resize:  opt.Resize,
		Signals: opt.Signals,
		Network: network,
		// gpus = "auto" is settled by Run (machine.go) before it gets here.
		GPUs:     gpuCount(s.GPUs),
		Platform: s.Platform,
	}
}

// Run runs a command (or the shell) in the project's environment and waits for it.
// A non-zero status comes back as *ExitError.
func Run(ctx context.Context, eng Engine, p *Project, opt RunOptions) error {
	// Every container of the user's command starts here: nothing beyond the project
	// reaches one unless the user allowed it.
	if err := CheckTrust(p.Spec); err != nil {
		return err
	}
	if err := ensureMountVolumes(ctx, eng, eng, p); err != nil {
		return err
	}
	endSync, serr := startSync(ctx, eng, p, opt)
	if serr != nil {
		return serr
	}
	defer endSync()
	if err := ensureDotfiles(ctx, p.Spec.Dotfiles); err != nil {
		return err
	}
	if err := ensureCreated(ctx, eng, p, opt); err != nil {
		return err
	}
	// Know whether a signal came through devenv: a command ended by SIGTERM that no
	// one sent through devenv may mean the engine itself is stopping.
	var forwarded atomic.Bool
	if opt.Signals != nil {
		relay := make(chan os.Signal, 4)
		done := make(chan struct{})
		defer close(done)
		go func(in <-chan os.Signal) {
			for {
				select {
				case sig := <-in:
					forwarded.Store(true)
					relay <- sig
				case <-done:
					return
				}
			}
		}(opt.Signals)
		opt.Signals = relay
	}
	p, notes := resolveMachine(ctx, eng, p)
	for _, n := range notes {
		fmt.Fprint(orDiscard(opt.Stderr), "devenv: "+n+lineEnd(opt.TTY))
	}
	// A spare made for this very container, when there is one, runs the command.
	spare := claimSpare(ctx, eng, p, opt)
	if spare != nil && spare.id != "" {
		opt.Name = spare.name
	}
	// Forwarded ports relay into the container by name: a fresh one's is chosen here.
	target := persistentName(p)
	if !p.Spec.Persistent {
		if opt.Name == "" {
			opt.Name = containerName(p.Spec.Name)
		}
		target = opt.Name
	}
	stopForwarding := startForwarding(ctx, eng, p.Spec, target, fmt.Sprintf("%d:%d", p.Spec.User.UID, p.Spec.User.GID), orDiscard(opt.Stderr), lineEnd(opt.TTY))
	var code int
	var err error
	if p.Spec.Persistent {
		code, err = runPersistent(ctx, eng, p, opt)
	} else {
		code, err = runFresh(ctx, eng, p, opt, spare)
	}
	stopForwarding()
	var inUse *engine.PortInUseError
	if errors.As(err, &inUse) {
		return errors.New(portsInUse(p.Spec.Ports, "ports"))
	}
	if err != nil {
		return err
	}
	if code == 0 {
		return nil
	}
	if (code == 128+15 || code == 128+9) && !forwarded.Load() && engineStopping(ctx, eng) {
		return fmt.Errorf("the Docker engine stopped while the command ran (it ended with status %d): start the engine again, then rerun the command", code)
	}
	return &ExitError{Code: code}
}

// engineStopping reports whether the engine stops answering within a moment: a
// stopping engine ends its containers with SIGTERM before it closes its API.
func engineStopping(ctx context.Context, eng InfoEngine) bool {
	deadline := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(deadline) {
		pingCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 300*time.Millisecond)
		_, err := eng.Ping(pingCtx)
		cancel()
		if err != nil {
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}
