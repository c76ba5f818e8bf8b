package env

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/distribution/reference"
	"github.com/gofrs/flock"

	"github.com/devenv/devenv/env/engine"
)

// Version is devenv's version, set at link time.
var Version = "dev"

// Project is a loaded project: its spec, its Dockerfile and the image tag they give.
type Project struct {
	Spec        *Spec
	Dockerfile  string
	Fingerprint string
	Tag         string
}

// LoadProject finds devenv.toml from dir upwards and works out the project's image.
// It reads files only: no engine is needed.
func LoadProject(dir string, host Host, opt RenderOptions) (*Project, error) {
	cfgPath, err := FindConfig(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	spec, err := Resolve(cfg, host)
	if err != nil {
		return nil, err
	}
	return NewProject(spec, opt)
}

// NewProject renders and fingerprints a resolved spec.
func NewProject(spec *Spec, opt RenderOptions) (*Project, error) {
	df, err := Render(spec, opt)
	if err != nil {
		return nil, err
	}
	fp, err := Fingerprint(spec, df)
	if err != nil {
		return nil, err
	}
	tag := ImageTag(spec.Name, fp)
	if spec.Image != "" {
		tag = spec.Image // a prebuilt environment: run what the registry has
	}
	return &Project{Spec: spec, Dockerfile: df, Fingerprint: fp, Tag: tag}, nil
}

// Labels mark what devenv made for this project.
func (p *Project) Labels() map[string]string {
	return map[string]string{
		LabelProject:     p.Spec.Root,
		LabelName:        p.Spec.Name,
		LabelFingerprint: p.Fingerprint,
		LabelVersion:     Version,
	}
}

// containerLabels are Labels plus the container-only label of the given kind.
func (p *Project) containerLabels(kind string) map[string]string {
	labels := p.Labels()
	labels[LabelContainer] = kind
	return labels
}

// BuildOptions tune EnsureImage.
type BuildOptions struct {
	Rebuild  bool      // build even when the image exists
	Progress io.Writer // where build progress goes
	Plain    bool      // plain progress lines even on a terminal
	Info     engine.Info
}

// EnsureImage builds the project's image unless the engine has it already: whether it
// is stale is one look-up of a content-addressed tag. It reports whether it built.
func EnsureImage(ctx context.Context, eng Engine, p *Project, opt BuildOptions) (bool, error) {
	if p.Spec.Image != "" {
		return false, pullIfMissing(ctx, eng, p, opt) // never built here: see registry.go
	}
	if !opt.Rebuild {
		ok, err := eng.ImageExists(ctx, p.Tag)
		if err != nil {
			return false, err
		}
		if ok {
			return false, nil
		}
		// Two commands started at once on a stale project build it once: the second
		// waits for the first and then finds the image.
		unlock, err := lockBuild(ctx, p.Tag)
		if err != nil {
			return false, err
		}
		defer unlock()
		if ok, err := eng.ImageExists(ctx, p.Tag); err != nil {
			return false, err
		} else if ok {
			return false, nil
		}
	}
	if opt.Progress != nil && p.Spec.CAMissing {
		fmt.Fprintln(opt.Progress, "devenv: trust_host_ca is on but no CA bundle was found on this machine (set SSL_CERT_FILE to one); building without it")
	}
	if err := ensureOwnImage(ctx, eng, p, opt); err != nil {
		return false, err
	}
	secrets, err := BuildSecrets(p.Spec, opt.Info.BuildKit)
	if err != nil {
		return false, err
	}
	labels := p.Labels()
	digests, err := inputDigests(p.Spec, p.Dockerfile)
	if err != nil {
		return false, err
	}
	if b, err := json.Marshal(digests); err == nil {
		labels[LabelInputs] = string(b)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(WriteBuildContext(pw, p.Spec, p.Dockerfile))
	}()
	defer pr.Close()
	err = eng.Build(ctx, engine.BuildRequest{
		Context:    pr,
		Dockerfile: DockerfilePath,
		Tag:        p.Tag,
		Labels:     labels,
		BuildArgs:  proxyBuildArgs(),
		Secrets:    secrets,
		BuildKit:   opt.Info.BuildKit,
		Progress:   orDiscard(opt.Progress),
		Plain:      opt.Plain,
	})
	if err != nil {
		return false, explainBuildError(err, p)
	}
	return true, nil
}

// lockBuild takes a per-image lock in the user's cache directory, waiting for another
// devenv that builds the same image. Without a cache directory it does not lock.
func lockBuild(ctx context.Context, tag string) (func(), error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return func() {}, nil
	}
	dir = filepath.Join(dir, "devenv", "locks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return func() {}, nil
	}
	name := strings.NewReplacer("/", "_", ":", "_").Replace(tag) + ".lock"
	lock := flock.New(filepath.Join(dir, name))
	ok, err := lock.TryLockContext(ctx, 100*time.Millisecond)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return func() {}, nil // a lock that cannot be taken must not stop a build
	}
	if !ok {
		return func() {}, nil
	}
	return func() { _ = lock.Unlock() }, nil
}

// BuildSecrets are the host's CA bundle and the script that points the tools at it,
// for build steps to mount; nil when the bundle is not trusted or BuildKit is absent.
func BuildSecrets(s *Spec, buildKit bool) (map[string][]byte, error) {
	if s.CABundle == "" || !buildKit {
		return nil, nil
	}
	bundle, err := os.ReadFile(s.CABundle)
	if err != nil {
		return nil, fmt.Errorf("cannot read the host's CA bundle %s: %w (set trust_host_ca = false to build without it)", s.CABundle, err)
	}
	return map[string][]byte{CASecret: bundle, CAScriptSecret: []byte(CAScript())}, nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// proxyVars are passed to builds and containers from the host, never baked in: the
// engine keeps these build arguments out of the image's history.
var proxyVars = []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "FTP_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "ftp_proxy", "all_proxy"}

func proxyBuildArgs() map[string]*string {
	args := map[string]*string{}
	for _, k := range proxyVars {
		if v, ok := os.LookupEnv(k); ok {
			args[k] = &v
		}
	}
	return args
}

func proxyEnv() []string {
	var out []string
	for _, k := range proxyVars {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// explainBuildError turns the engine's words for common failures into what to do.
func explainBuildError(err error, p *Project) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	images := []string{p.Spec.Base}
	for _, st := range p.Spec.Stacks[min(1, len(p.Spec.Stacks)):] {
		images = append(images, st.Base) // the images second stacks copy their toolchains from
	}
	if ref, ok := unpullableImage(err, images); ok {
		where := "set base in " + p.Spec.ConfigPath + " to an image you have"
		if ref != p.Spec.Base {
			where = "or drop the stack that needs it from template in " + p.Spec.ConfigPath
			return fmt.Errorf("image %s is not on this engine and could not be pulled: `docker pull %s`, %s", ref, ref, where)
		}
		return fmt.Errorf("base image %s is not on this engine and could not be pulled: `docker pull %s`, or %s", ref, ref, where)
	}
	var be *engine.BuildError
	if errors.As(err, &be) {
		return fmt.Errorf("building %s failed: %s; the step's output is above; fix devenv.toml and run `devenv build`", p.Tag, be.Msg)
	}
	return err
}

// manifestURLRe finds the image in a registry request BuildKit reports: the Head or Get
// of https://HOST/v2/NAME/manifests/TAG.
var manifestURLRe = regexp.MustCompile(`https?://([^/\s"]+)/v2/([^\s"]+)/manifests/([^\s"/]+)`)

// loadMetadataRe finds the image BuildKit was resolving: "load metadata for REF".
var loadMetadataRe = regexp.MustCompile(`load metadata for ([^\s:"]+(?::[^\s":]+)?)`)

// unpullableImage recognises a build that failed because an image it starts from or
// copies from is neither on the engine nor pullable, and says which image: the first of
// candidates the message names, else the one in the registry request it quotes.
func unpullableImage(err error, candidates []string) (string, bool) {
	low := strings.ToLower(err.Error())
	if !(strings.Contains(low, "failed to resolve source metadata") || strings.Contains(low, "pull access denied") ||
		strings.Contains(low, "manifest unknown") || strings.Contains(low, "failed to do request") ||
		strings.Contains(low, "no such host") || strings.Contains(low, "load metadata for") ||
		(strings.Contains(low, "not found") && strings.Contains(low, "docker.io/"))) {
		return "", false
	}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		named, perr := reference.ParseNormalizedNamed(c)
		if perr != nil {
			continue
		}
		if strings.Contains(low, strings.ToLower(named.String())) || strings.Contains(low, strings.ToLower(c)) {
			return c, true
		}
	}
	if m := loadMetadataRe.FindStringSubmatch(err.Error()); m != nil {
		return strings.TrimPrefix(m[1], "docker.io/library/"), true
	}
	if m := manifestURLRe.FindStringSubmatch(err.Error()); m != nil {
		host, name := m[1], m[2]
		if host == "registry-1.docker.io" {
			return strings.TrimPrefix(name, "library/") + ":" + m[3], true
		}
		return host + "/" + name + ":" + m[3], true
	}
	if len(candidates) > 0 {
		return candidates[0], true
	}
	return "", false
}

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
		Labels:  p.containerLabels("run"),
		TTY:     opt.TTY,
		Stdin:   opt.Stdin,
		Stdout:  opt.Stdout,
		Stderr:  opt.Stderr,
		Resize:  opt.Resize,
		Signals: opt.Signals,
		Network: network,
	}
}

// Run runs a command (or the shell) in the project's environment and waits for it.
// A non-zero status comes back as *ExitError.
func Run(ctx context.Context, eng Engine, p *Project, opt RunOptions) error {
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
	var code int
	var err error
	if p.Spec.Persistent {
		code, err = runPersistent(ctx, eng, p, opt)
	} else {
		code, err = eng.Run(ctx, RunRequest(p, opt, runtime.GOOS))
	}
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

// ContainerWorkdir is workdir plus where cwd stands under root, so that
// `cd src/api && devenv shell` lands in /workspace/src/api.
func ContainerWorkdir(root, cwd, workdir string) string {
	if cwd == "" {
		return workdir
	}
	rel, err := filepath.Rel(root, cwd)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return workdir
	}
	return path.Join(workdir, filepath.ToSlash(rel))
}

// HostPathForEngine writes a host path the way the engine expects it. On Windows,
// Docker Desktop takes drive paths; Git Bash's /c/Users/x is C:\Users\x there.
func HostPathForEngine(p, goos string) string {
	if goos != "windows" {
		return p
	}
	s := strings.ReplaceAll(p, `\`, "/")
	// Git Bash and MSYS: /c/Users/x
	if len(s) >= 2 && s[0] == '/' && isLetter(s[1]) && (len(s) == 2 || s[2] == '/') {
		s = strings.ToUpper(s[1:2]) + ":" + s[2:]
		if len(s) == 2 {
			s += "/"
		}
	}
	if len(s) >= 2 && isLetter(s[0]) && s[1] == ':' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.ReplaceAll(s, "/", `\`)
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }
