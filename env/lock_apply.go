package env

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// LockPins is what devenv.lock pins in a build of the project, and how far the lock
// still describes devenv.toml.
type LockPins struct {
	Path     string
	Lock     *Lock
	Platform string
	// From is what FROM names: the base's registry digest (name@sha256:...), or ""
	// for the base as devenv.toml names it (a local base, pinned by BaseID instead).
	From string
	// Packages are name -> version for every package to install pinned: devenv.toml's
	// and what apt pulled in with them. Nil when the packages are not pinned.
	Packages map[string]string
	// Differs says how devenv.toml differs from the lock: --frozen refuses to build.
	Differs []string
	// Problem is why no build can follow the lock as it is (a moved local base);
	// Note is said once when building (a lock without this platform).
	Problem, Note string
	// Moved says the base's tag has moved past the lock (devenv status).
	Moved string
}

// install is the package list for apt: pinned name=version when the lock pins them,
// what apt pulled in too, so a build installs exactly what the lock names.
func (p *LockPins) install(pkgs []string) []string {
	if p == nil || p.Packages == nil {
		return pkgs
	}
	out := make([]string, 0, len(p.Packages))
	for _, name := range sortedKeys(p.Packages) {
		if v := p.Packages[name]; v != "" {
			out = append(out, name+"="+v)
		} else {
			out = append(out, name) // a virtual package: installed by name
		}
	}
	return out
}

// fromRef is the image FROM names.
func fromRef(s *Spec) string {
	if s.Pins != nil && s.Pins.From != "" {
		return s.Pins.From
	}
	return s.Base
}

// packageName is the package a packages entry names: "hello=1.0" and
// "hello/bookworm-backports" name hello.
func packageName(entry string) string {
	if i := strings.IndexAny(entry, "=/"); i > 0 {
		return entry[:i]
	}
	return entry
}

// ApplyLock gives the project the base image's ID (part of the fingerprint, with or
// without a lock) and, when devenv.lock is there, its pins, then renders and
// fingerprints it again. opt is how p was rendered.
func ApplyLock(ctx context.Context, eng Engine, p *Project, opt RenderOptions) (*Project, error) {
	if p.Spec.Image != "" || p.Spec.OwnDockerfile != nil {
		return p, nil // nothing is installed on a base devenv.toml names
	}
	s := *p.Spec
	id, haveBase, err := eng.ImageIdentity(ctx, s.Base)
	if err != nil {
		return nil, err
	}
	s.BaseID = id.ID // "" when the base must be pulled: the next build counts it
	lock, ok, err := ReadLock(LockPath(s.Root))
	if err != nil {
		return nil, err
	}
	if ok {
		platform, err := lockPlatform(ctx, eng, &s)
		if err != nil {
			return nil, err
		}
		s.Pins = pinsFor(&s, lock, platform, id.ID, haveBase)
		if e := lock.Platform(platform); e != nil && lock.Inputs.Base == s.Base {
			s.BaseID = e.BaseID // the image the build starts from is the pinned one
		}
	}
	return NewProject(&s, opt)
}

// lockPlatform is the platform a build makes: devenv.toml's, else the engine's.
func lockPlatform(ctx context.Context, eng InfoEngine, s *Spec) (string, error) {
	if s.Platform != "" {
		return s.Platform, nil
	}
	d, err := eng.Details(ctx)
	if err != nil {
		return "", err
	}
	return "linux/" + d.Arch, nil
}

// pinsFor works out what lock pins in a build of s on platform, where the base's tag is
// now image baseID.
func pinsFor(s *Spec, lock *Lock, platform, baseID string, haveBase bool) *LockPins {
	pins := &LockPins{Path: LockPath(s.Root), Lock: lock, Platform: platform, Differs: lockDiffers(lock, s)}
	e := lock.Platform(platform)
	if e == nil {
		pins.Note = fmt.Sprintf("%s has no entry for %s (it has %s): building unpinned; `devenv lock --update` on this platform adds one",
			LockFile, platform, strings.Join(lock.PlatformNames(), ", "))
		pins.Differs = append(pins.Differs, "platform "+platform+" is not locked")
		return pins
	}
	sameBase := lock.Inputs.Base == s.Base
	if sameBase {
		if haveBase && baseID != e.BaseID {
			pins.Moved = fmt.Sprintf("base %s now points at %s; %s pins %s", s.Base, shortID(baseID), LockFile, shortID(e.BaseID))
		}
		if e.BaseDigest != "" {
			pins.From = e.BaseDigest
		} else if pins.Moved != "" {
			pins.Problem = fmt.Sprintf("base %s is now image %s, but %s pins the local image %s (it has no registry digest, so only its ID pins it): tag that image as %s again, or run `devenv lock --update` to move to the new one",
				s.Base, shortID(baseID), LockFile, shortID(e.BaseID), s.Base)
		}
	}
	if sameBase && slices.Equal(lock.Inputs.Packages, s.Packages) && slices.Equal(lock.Inputs.AptSources, s.AptSources) {
		pins.Packages = map[string]string{}
		for _, m := range []map[string]string{e.Packages, e.Pulled} {
			for k, v := range m {
				pins.Packages[k] = v
			}
		}
	}
	return pins
}

func shortID(id string) string {
	if len(id) > 19 {
		return id[:19]
	}
	return id
}

// lockDiffers says how devenv.toml (resolved into s) differs from what lock was made
// from, one phrase per difference.
func lockDiffers(lock *Lock, s *Spec) []string {
	var out []string
	if lock.Inputs.Base != s.Base {
		out = append(out, fmt.Sprintf("base %s -> %s", lock.Inputs.Base, s.Base))
	}
	out = append(out, listDiffers("package", lock.Inputs.Packages, s.Packages)...)
	out = append(out, listDiffers("apt source", lock.Inputs.AptSources, s.AptSources)...)
	now := map[string]string{}
	for _, t := range stackStatuses(s) {
		now[t.Name] = t.Version
	}
	for _, t := range lock.Toolchains {
		if v, ok := now[t.Name]; ok && v != t.Version {
			out = append(out, fmt.Sprintf("%s %s -> %s", t.Name, t.Version, v))
		}
	}
	files, err := dependencyDigests(s)
	if err != nil {
		return append(out, err.Error())
	}
	for _, f := range sortedKeys(files) {
		if old, ok := lock.Files[f]; !ok {
			out = append(out, f+" added")
		} else if old != files[f] {
			out = append(out, f+" changed")
		}
	}
	for _, f := range sortedKeys(lock.Files) {
		if _, ok := files[f]; !ok {
			out = append(out, f+" removed")
		}
	}
	return out
}

func listDiffers(what string, locked, now []string) []string {
	var out []string
	for _, x := range now {
		if !slices.Contains(locked, x) {
			out = append(out, fmt.Sprintf("%s %q added", what, x))
		}
	}
	for _, x := range locked {
		if !slices.Contains(now, x) {
			out = append(out, fmt.Sprintf("%s %q removed", what, x))
		}
	}
	return out
}

// frozenBy says why a build must follow the lock exactly: --frozen, or CI=true.
func frozenBy(flag bool) string {
	if flag {
		return "--frozen"
	}
	if os.Getenv("CI") == "true" {
		return "CI=true"
	}
	return ""
}

// checkLock refuses a build that cannot follow devenv.lock: frozen and the lock does
// not match devenv.toml (or there is none, with --frozen), or a local base moved.
func checkLock(p *Project, frozenFlag bool) error {
	if p.Spec.Image != "" || p.Spec.OwnDockerfile != nil {
		return nil
	}
	pins := p.Spec.Pins
	if pins == nil {
		if frozenFlag {
			return fmt.Errorf("--frozen: there is no %s beside %s: `devenv lock` writes one (then commit it)", LockFile, p.Spec.ConfigPath)
		}
		return nil
	}
	if by := frozenBy(frozenFlag); by != "" && len(pins.Differs) > 0 {
		return fmt.Errorf("%s does not match devenv.toml (%s); %s builds only what the lock names: run `devenv lock --update` and commit %s",
			LockFile, strings.Join(pins.Differs, ", "), by, LockFile)
	}
	if pins.Problem != "" {
		return fmt.Errorf("%s", pins.Problem)
	}
	return nil
}

// lockNote is what a build says about the part of devenv.lock it does not follow.
func lockNote(p *Project) string {
	pins := p.Spec.Pins
	switch {
	case pins == nil:
		return ""
	case pins.Note != "":
		return "devenv: " + pins.Note
	case len(pins.Differs) > 0:
		return fmt.Sprintf("devenv: %s does not match devenv.toml (%s): building what it still pins; `devenv lock --update` moves it", LockFile, strings.Join(pins.Differs, ", "))
	}
	return ""
}

// aptMissingRe is apt's word for a pinned version its sources do not have.
var aptMissingRe = regexp.MustCompile(`Version '([^'\s]+)' for '([^'\s]+)' was not found`)

// aptWatch passes a build's output on, and remembers the first pinned version apt
// could not find.
type aptWatch struct {
	w        io.Writer
	mu       sync.Mutex
	tail     []byte
	pkg, ver string
}

func (a *aptWatch) Write(p []byte) (int, error) {
	a.mu.Lock()
	if a.pkg == "" {
		buf := append(a.tail, p...)
		if m := aptMissingRe.FindSubmatch(buf); m != nil {
			a.ver, a.pkg = string(m[1]), string(m[2])
		}
		a.tail = append([]byte(nil), buf[max(0, len(buf)-256):]...)
	}
	a.mu.Unlock()
	return a.w.Write(p)
}

// consoleFile is a terminal as BuildKit's display wants it: kept one through the watch.
type consoleFile interface {
	io.ReadWriteCloser
	Fd() uintptr
	Name() string
}

type aptWatchFile struct {
	consoleFile
	watch *aptWatch
}

func (f aptWatchFile) Write(p []byte) (int, error) { return f.watch.Write(p) }

func watchAptMissing(w io.Writer) (io.Writer, *aptWatch) {
	watch := &aptWatch{w: w}
	if f, ok := w.(consoleFile); ok {
		return aptWatchFile{f, watch}, watch
	}
	return watch, watch
}

// explain turns a failed build that could not install a pinned version into one line.
func (a *aptWatch) explain(err error, p *Project) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pkg == "" || p.Spec.Pins == nil {
		return err
	}
	return fmt.Errorf("%s pins %s %s, which the package sources no longer have: run `devenv lock --update` to move to what they have (and commit %s)", LockFile, a.pkg, a.ver, LockFile)
}

// repoDigestFor picks the registry digest of the base's own repository. A digest
// under another name (the same image pushed elsewhere) is not the base's: FROM would
// name a registry devenv.toml never named, so such a base is pinned by its ID.
func repoDigestFor(base string, digests []string) string {
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		return ""
	}
	for _, d := range digests {
		if dn, derr := reference.ParseNormalizedNamed(d); derr == nil && dn.Name() == named.Name() {
			return d
		}
	}
	return ""
}

// LoadLockedProject is LoadProject, then ApplyLock: the project as a build on eng makes it.
func LoadLockedProject(ctx context.Context, eng Engine, dir string, host Host, opt RenderOptions) (*Project, error) {
	p, err := LoadProject(dir, host, opt)
	if err != nil {
		return nil, err
	}
	return ApplyLock(ctx, eng, p, opt)
}

// lockStatus is where devenv.lock stands, for `devenv status`: "" without a lock.
func lockStatus(p *Project) string {
	pins := p.Spec.Pins
	switch {
	case pins == nil:
		return ""
	case pins.Note != "":
		return pins.Note
	case pins.Moved != "":
		return fmt.Sprintf("%s: %s (upstream moved past the lock: `devenv lock --update` moves it)", LockFile, pins.Moved)
	case len(pins.Differs) > 0:
		return fmt.Sprintf("%s does not match devenv.toml (%s): `devenv lock --update`", LockFile, strings.Join(pins.Differs, ", "))
	}
	return LockFile + ": up to date with devenv.toml"
}
