package env

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/devenv/devenv/env/engine"
	"github.com/docker/docker/api/types/versions"
	"github.com/docker/go-units"
)

func engineFailure(err error) Finding {
	f := Finding{Check: "engine", Status: SeverityFail, Message: "no engine client", Fix: "check DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH"}
	if err == nil {
		return f
	}
	var un *engine.UnreachableError
	if errors.As(err, &un) {
		f.Message = "cannot reach Docker at " + un.Where()
		// The error's own words say what to do, and why.
		f.Fix = un.Hint()
		if c := un.Cause(); c != "" {
			f.Fix += " (" + c + ")"
		}
		if un.Err != nil && strings.Contains(strings.ToLower(un.Err.Error()), "permission denied") {
			f.Message += ": permission denied"
			f.Fix = "your user may not use the engine's socket: add it to the docker group (`sudo usermod -aG docker $USER`, then log in again)"
		}
		return f
	}
	f.Message = err.Error()
	return f
}

// contextNote names a docker context other than the default, for messages.
func contextNote(name string) string {
	if name == "" || name == engine.DefaultContext {
		return ""
	}
	return fmt.Sprintf(" (context %q)", name)
}

// foundNote says that no setting chose the engine: devenv found Podman's socket.
func foundNote(from string) string {
	if from == "" {
		return ""
	}
	return " (found: " + from + "; no DOCKER_HOST, context or Docker socket)"
}

func rootlessNote(rootless bool) string {
	if rootless {
		return ", rootless"
	}
	return ""
}

func engineFinding(d engine.Details) Finding {
	builder := "BuildKit"
	if !d.BuildKit {
		builder = "no BuildKit"
	}
	f := Finding{
		Check:  "engine",
		Status: SeverityOK,
		Message: fmt.Sprintf("%s %s at %s%s: API %s (devenv uses %s), %s/%s, %s",
			kindName(d.Kind), d.ServerVersion, d.Endpoint, contextNote(d.Context)+foundNote(d.From), d.APIVersion, d.ClientAPIVersion, d.OS, d.Arch, builder+rootlessNote(d.Rootless)),
	}
	switch {
	case d.APIVersion != "" && versions.LessThan(d.APIVersion, MinAPIVersion):
		f.Status = SeverityFail
		f.Fix = fmt.Sprintf("devenv needs Docker Engine 20.10 (API %s) or newer: upgrade the engine", MinAPIVersion)
	case !d.BuildKit && d.OS != "windows" && d.Kind != engine.KindPodman: // Podman's: podmanFindings
		f.Status = SeverityWarn
		f.Fix = "builds use the classic builder (DEVENV_BUILDKIT=0?): no package caches between builds, no host CA during builds; unset DEVENV_BUILDKIT"
	}
	return f
}

func doctorProject(dir string, host Host) (*Project, Finding) {
	cfg, err := FindConfig(dir)
	var nf *NotFoundError
	switch {
	case errors.As(err, &nf):
		return nil, Finding{Check: "project", Status: SeveritySkip, Message: fmt.Sprintf("no %s in %s or above", ConfigFile, nf.Start), Fix: "run `devenv init` in a project to check it too"}
	case err != nil:
		return nil, Finding{Check: "project", Status: SeverityFail, Message: err.Error()}
	}
	p, err := LoadProject(filepath.Dir(cfg), host, RenderOptions{BuildKit: true})
	if err != nil {
		return nil, Finding{Check: "project", Status: SeverityFail, Message: err.Error(), Fix: "fix " + cfg}
	}
	return p, Finding{Check: "project", Status: SeverityOK, Message: fmt.Sprintf("%s is valid (name %q, base %s)", cfg, p.Spec.Name, p.Spec.Base)}
}

func caFinding(p *Project, host Host) Finding {
	f := Finding{Check: "CA bundle"}
	switch {
	case p != nil && p.Spec.CABundle != "":
		f.Status, f.Message = SeverityOK, "the project trusts the host's bundle "+p.Spec.CABundle
	case p != nil && !p.Spec.CAMissing:
		f.Status, f.Message = SeverityOK, "trust_host_ca = false: the project does not use the host's CA bundle"
	case host.CABundle != "":
		f.Status, f.Message = SeverityOK, "host bundle "+host.CABundle
	default:
		f.Status, f.Message = SeverityWarn, "no CA bundle found on this machine (SSL_CERT_FILE unset, none in the usual places)"
		f.Fix = "behind a TLS-intercepting proxy, set SSL_CERT_FILE to a bundle holding its CA; otherwise nothing to do"
	}
	return f
}

func proxyFinding(lookup func(string) (string, bool)) Finding {
	var set, local []string
	for _, k := range proxyVars {
		v, ok := lookup(k)
		if !ok {
			continue
		}
		set = append(set, k)
		if k == "NO_PROXY" || k == "no_proxy" {
			continue
		}
		if pointsAtLoopback(v) {
			local = append(local, k)
		}
	}
	if len(set) == 0 {
		return Finding{Check: "proxy", Status: SeverityOK, Message: "no proxy variables set"}
	}
	f := Finding{Check: "proxy", Status: SeverityOK, Message: strings.Join(set, ", ") + " set: passed to builds and to the container"}
	if len(local) > 0 {
		// Values are never shown: they may hold credentials.
		f.Status = SeverityWarn
		f.Fix = strings.Join(local, ", ") + Plural(len(local), " points", " point") + " at this machine's loopback, which in a container is the container itself: use host.docker.internal or the host's address"
	}
	return f
}

func pointsAtLoopback(v string) bool {
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}

// engineIsLocal: the engine's data root is on this machine's file systems.
func engineIsLocal(d engine.Details) bool {
	if !strings.HasPrefix(d.Endpoint, "unix://") || d.RootDir == "" {
		return false
	}
	return !strings.Contains(d.OperatingSystem, "Docker Desktop") && !strings.Contains(d.KernelVersion, "linuxkit")
}

func diskFinding(root string, free func(string) (uint64, error)) Finding {
	f := Finding{Check: "disk"}
	n, err := free(root)
	switch {
	case errors.Is(err, errNoStatfs):
		f.Status, f.Message = SeveritySkip, "cannot measure free space on this OS"
		return f
	case err != nil:
		f.Status, f.Message = SeveritySkip, fmt.Sprintf("cannot measure free space on the engine's data root %s: %v", root, err)
		return f
	}
	f.Message = fmt.Sprintf("%s free on the engine's data root %s", FormatSize(int64(n)), root)
	f.Status = SeverityOK
	if n < LowDisk {
		f.Status = SeverityWarn
		f.Fix = fmt.Sprintf("builds may fail under %s: `devenv clean` removes this project's old images, `docker system prune` more", FormatSize(LowDisk))
	}
	return f
}

// FormatSize writes bytes for a person in decimal units, as `docker images` does:
// 1.98MB.
func FormatSize(n int64) string { return units.HumanSizeWithPrecision(float64(n), 3) }
