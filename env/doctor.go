package env

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// Severity is how a doctor's finding stands.
type Severity string

const (
	SeverityOK   Severity = "ok"
	SeverityWarn Severity = "warn" // works, but something will bite
	SeverityFail Severity = "fail" // devenv cannot work like this
	SeveritySkip Severity = "skip" // could not be checked here; the message says why
)

// Finding is one check's result, with what to do about it.
type Finding struct {
	Check   string   `json:"check"`
	Status  Severity `json:"status"`
	Message string   `json:"message"`
	Fix     string   `json:"fix,omitempty"`
}

// DoctorReport is every check's finding, in order.
type DoctorReport struct {
	Findings []Finding `json:"findings"`
	// Problems counts the failed checks; Warnings those that warn.
	Problems int             `json:"problems"`
	Warnings int             `json:"warnings"`
	Engine   *engine.Details `json:"engine,omitempty"`
}

func (r *DoctorReport) add(f Finding) {
	switch f.Status {
	case SeverityFail:
		r.Problems++
	case SeverityWarn:
		r.Warnings++
	}
	r.Findings = append(r.Findings, f)
}

// DoctorOptions tune Doctor; the zero values of the functions mean the real machine.
type DoctorOptions struct {
	Dir  string // where doctor was started: the project, if any, is found from here
	Host Host
	GOOS string
	// EngineErr is set when no engine client could even be made; Engine is then nil.
	EngineErr error
	LookupEnv func(string) (string, bool)
	// DiskFree is the space available to unprivileged users on the file system
	// holding path.
	DiskFree func(path string) (uint64, error)
	// FileOwner is the uid and gid owning path; ok false where the OS cannot say.
	FileOwner func(path string) (uid, gid int, ok bool, err error)
	// FindInit is the path of Podman's init binary (catatonit) on this machine, ""
	// when there is none.
	FindInit func() string
}

// LowDisk is the free space on the engine's data root under which doctor warns.
const LowDisk = 5_000_000_000

// MinAPIVersion is the oldest Docker API devenv works with (Docker Engine 20.10).
const MinAPIVersion = "1.41"

// Doctor checks what devenv depends on, the engine, the project, the host's CA
// bundle and proxies, disk space, and file ownership through a bind mount, and says
// what to do about each problem. Checks that need something missing are skipped with a
// note, not failed twice.
func Doctor(ctx context.Context, eng Engine, opt DoctorOptions) *DoctorReport {
	if opt.LookupEnv == nil {
		opt.LookupEnv = os.LookupEnv
	}
	if opt.DiskFree == nil {
		opt.DiskFree = diskFree
	}
	if opt.FileOwner == nil {
		opt.FileOwner = fileOwner
	}
	if opt.FindInit == nil {
		opt.FindInit = findCatatonit
	}
	r := &DoctorReport{}

	// The engine.
	var details *engine.Details
	if opt.EngineErr == nil && eng != nil {
		d, err := eng.Details(ctx)
		if err == nil {
			details = &d
		} else {
			opt.EngineErr = err
		}
	}
	if details == nil {
		if ctx.Err() != nil {
			opt.EngineErr = ctx.Err()
		}
		f := engineFailure(opt.EngineErr)
		if hint := podmanHint(opt.LookupEnv); hint != "" {
			f.Fix += "; " + hint
		}
		r.add(f)
	} else {
		r.Engine = details
		r.add(engineFinding(*details))
		for _, f := range clusterFindings(ctx, eng) {
			r.add(f)
		}
		for _, f := range podmanFindings(*details, opt.FindInit) {
			r.add(f)
		}
	}

	// The project.
	p, projectFinding := doctorProject(opt.Dir, opt.Host)
	r.add(projectFinding)
	if p != nil {
		for _, f := range settingsFindings(p.Spec) {
			r.add(f)
		}
	}
	if p != nil && details != nil {
		// Without BuildKit, or on a rootless engine, devenv builds another Dockerfile,
		// so another image (userns.go).
		info := engine.Info{Kind: details.Kind, BuildKit: details.BuildKit, Rootless: details.Rootless}
		if q, err := ForEngine(p, opt.Host, info); err == nil {
			p = q
		}
		// The base image's ID and devenv.lock, as build and run fingerprint them.
		if q, err := ApplyLock(ctx, eng, p, RenderOptionsFor(info)); err == nil {
			p = q
		}
	}
	fresh := false
	switch {
	case p == nil:
	case details == nil:
		r.add(Finding{Check: "image", Status: SeveritySkip, Message: "cannot check the image without the engine"})
	default:
		f, ok := imageFinding(ctx, eng, p)
		fresh = ok
		r.add(f)
	}

	tree, mode := treeFinding(ctx, eng, p, details != nil, fresh)
	r.add(tree)
	r.add(caFinding(p, opt.Host))
	r.add(proxyFinding(opt.LookupEnv))
	for _, f := range machineFindings(details, p) {
		r.add(f)
	}

	local := details != nil && engineIsLocal(*details)
	switch {
	case details == nil:
		r.add(Finding{Check: "disk", Status: SeveritySkip, Message: "cannot check the engine's disk without the engine"})
	case !local:
		r.add(Finding{Check: "disk", Status: SeveritySkip, Message: fmt.Sprintf("the engine at %s is not on this machine (or runs in a VM): check its free disk space there", details.Endpoint)})
	default:
		r.add(diskFinding(details.RootDir, opt.DiskFree))
	}

	switch {
	case p == nil:
		r.add(Finding{Check: "bind mount", Status: SeveritySkip, Message: "needs a valid project: the check runs in the project's image"})
	case details == nil:
		r.add(Finding{Check: "bind mount", Status: SeveritySkip, Message: "cannot run a container without the engine"})
	case opt.GOOS == "windows" || details.OS == "windows":
		r.add(Finding{Check: "bind mount", Status: SeveritySkip, Message: "on Windows, Docker Desktop maps file ownership itself"})
	case !strings.HasPrefix(details.Endpoint, "unix://") && !strings.HasPrefix(details.Endpoint, "npipe://"):
		r.add(Finding{Check: "bind mount", Status: SeveritySkip, Message: fmt.Sprintf("the engine at %s is remote: bind mounts name paths on its machine", details.Endpoint)})
	case !fresh:
		r.add(Finding{Check: "bind mount", Status: SeveritySkip, Message: "the project's image is not built for the current inputs", Fix: "run `devenv build`, then `devenv doctor` again"})
	case mode == SyncedVolume:
		r.add(Finding{Check: "bind mount", Status: SeveritySkip, Message: "the engine cannot see the project: files come back from the synced volume as the user running devenv"})
	default:
		o := opt
		o.Host.EngineRootless = details.Rootless // the host owner of the container's root
		r.add(ownershipFinding(ctx, eng, p, o))
	}
	return r
}

func imageFinding(ctx context.Context, eng ImageEngine, p *Project) (Finding, bool) {
	// Fresh is what build and shell decide: the tag exists. The same project checked
	// out elsewhere shares the image, whose labels name the other checkout.
	if ok, err := eng.ImageExists(ctx, p.Tag); err == nil && ok {
		return Finding{Check: "image", Status: SeverityOK, Message: p.Tag + " is up to date"}, true
	}
	st, err := ProjectStatus(ctx, eng, p)
	if err != nil {
		return Finding{Check: "image", Status: SeverityFail, Message: "cannot list the project's images: " + err.Error()}, false
	}
	switch {
	case st.Fresh:
		return Finding{Check: "image", Status: SeverityOK, Message: st.Image + " is up to date"}, true
	case st.LastBuilt == "":
		return Finding{Check: "image", Status: SeverityWarn, Message: st.Image + " is not built yet", Fix: "run `devenv build` (or `devenv shell` builds it)"}, false
	}
	return Finding{Check: "image", Status: SeverityWarn, Message: st.Image + " is not built: " + st.Staleness(), Fix: "run `devenv build`"}, false
}

// ownershipFinding runs the project's image as the host user, writing a file into a
// bind-mounted scratch directory of the user's (never the project: doctor changes
// nothing there), and checks on the host who owns that file.
func ownershipFinding(ctx context.Context, eng ContainerEngine, p *Project, opt DoctorOptions) Finding {
	f := Finding{Check: "bind mount"}
	scratch, err := os.UserCacheDir()
	if err != nil {
		scratch = os.TempDir()
	}
	scratch = filepath.Join(scratch, "devenv")
	_ = os.MkdirAll(scratch, 0o755)
	dir, err := os.MkdirTemp(scratch, "doctor-")
	if err != nil {
		f.Status, f.Message = SeverityFail, fmt.Sprintf("cannot create a directory in %s: %v", scratch, err)
		f.Fix = "your cache directory must be writable by you: check its owner and mode"
		return f
	}
	defer os.RemoveAll(dir)
	// The engine's user may differ: let it write whatever user it maps to, so that a
	// mismatch is reported rather than a permission error.
	_ = os.Chmod(dir, 0o777)
	const probe = "owner-check"
	const mountPoint = "/run/devenv-doctor"
	target := path.Join(mountPoint, probe)
	var out bytes.Buffer
	req := RunRequest(p, RunOptions{Cmd: []string{"touch", target}, Cwd: p.Spec.Root, Stdout: &out, Stderr: &out}, opt.GOOS)
	req.GPUs = 0    // the probe is about files: an engine without GPUs has its own finding
	req.Ports = nil // a running shell may hold them
	req.Network = ""
	req.Mounts = []engine.Mount{{Source: HostPathForEngine(dir, opt.GOOS), Target: mountPoint}}
	runCtx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	code, err := eng.Run(runCtx, req)
	switch {
	case err != nil:
		f.Status, f.Message = SeverityFail, "cannot run the project's image: "+err.Error()
		return f
	case code != 0:
		f.Status, f.Message = SeverityFail, fmt.Sprintf("writing into a bind-mounted directory (%s) from the container failed with status %d: %s", dir, code, strings.TrimSpace(out.String()))
		f.Fix = "the engine must be able to bind-mount your directories, " + p.Spec.Root + " among them, read-write (Docker Desktop: Settings > Resources > File sharing)"
		return f
	}
	hostPath := filepath.Join(dir, probe)
	uid, gid, ok, err := opt.FileOwner(hostPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f.Status, f.Message = SeverityFail, fmt.Sprintf("a file written in the container at %s did not appear at %s", target, hostPath)
		f.Fix = "the engine sees another directory under this path: with a remote engine or a VM, the project must be at the same path there"
		return f
	case err != nil:
		f.Status, f.Message = SeverityFail, fmt.Sprintf("cannot read %s: %v", hostPath, err)
		return f
	case !ok:
		f.Status, f.Message = SeveritySkip, "this OS does not report file owners"
		return f
	}
	want := p.Spec.User
	if opt.Host.EngineRootless && want.IsRoot() {
		// A rootless engine maps the container's root to the user (userns.go).
		want = User{UID: opt.Host.UID, GID: opt.Host.GID}
	}
	if uid != want.UID {
		f.Status = SeverityFail
		f.Message = fmt.Sprintf("a file written in the container as uid %d is owned by uid %d on the host", want.UID, uid)
		f.Fix = "the engine remaps users (userns-remap, or a rootless engine that does not say so in its /info): files the environment writes will not be yours; set user = \"root\" in devenv.toml if the container's root is you"
		return f
	}
	f.Status = SeverityOK
	f.Message = fmt.Sprintf("files written in the container belong to uid %d, gid %d on the host", uid, gid)
	if gid != want.GID {
		f.Status = SeverityWarn
		f.Message = fmt.Sprintf("files written in the container belong to uid %d but gid %d on the host (want %d)", uid, gid, want.GID)
		f.Fix = "the directory's setgid bit or the engine's user mapping changes the group"
	}
	return f
}
