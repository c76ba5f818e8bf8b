package env

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// `devenv push --platform linux/amd64,linux/arm64`: one image for several platforms
// needs an engine whose image store holds a manifest list (Docker's containerd image
// store) and, for each platform that is not the engine's own, emulation on the
// engine's machine (QEMU registered with binfmt_misc). Missing either, devenv says
// which, and where, before anything is built.

// qemuNames are binfmt_misc's names of QEMU's emulators, by Go architecture.
var qemuNames = map[string]string{
	"amd64": "x86_64", "arm64": "aarch64", "arm": "arm", "386": "i386",
	"ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "mips64le": "mips64el",
}

// binfmtDir is where the kernel lists registered emulators.
var binfmtDir = "/proc/sys/fs/binfmt_misc"

// ParsePlatforms checks a --platform list: linux/ARCH[/VARIANT], comma-separated,
// each once.
func ParsePlatforms(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		p, err := engine.ParsePlatform(s)
		if err != nil || p == nil {
			return nil, fmt.Errorf("--platform %q: each platform must be os/arch, like linux/amd64,linux/arm64", list)
		}
		if p.OS != "linux" {
			return nil, fmt.Errorf("--platform %q: devenv builds Linux images only, like linux/amd64", s)
		}
		if slices.Contains(out, s) {
			return nil, fmt.Errorf("--platform names %s twice", s)
		}
		out = append(out, s)
	}
	return out, nil
}

// CheckPlatforms says whether eng can build one image for all of platforms, and if
// not, everything that is missing and where.
func CheckPlatforms(ctx context.Context, eng InfoEngine, platforms []string) error {
	if len(platforms) == 0 {
		return nil
	}
	d, err := eng.Details(ctx)
	if err != nil {
		return err
	}
	var missing []string
	if len(platforms) > 1 && !d.MultiPlatform {
		missing = append(missing, "an image store that holds several platforms under one tag (its store holds one per image; Docker 24 or later has one with the containerd image store: \"features\": {\"containerd-snapshotter\": true} in daemon.json)")
	}
	local := strings.HasPrefix(d.Endpoint, "unix://")
	for _, s := range platforms {
		p, _ := engine.ParsePlatform(s)
		if p.Architecture == d.Arch {
			continue
		}
		// Only an engine on this machine can be looked at; another one's build says
		// so itself when it cannot run a step.
		if qemu := qemuNames[p.Architecture]; local && (qemu == "" || !isFile(filepath.Join(binfmtDir, "qemu-"+qemu))) {
			missing = append(missing, fmt.Sprintf("emulation for %s (no qemu-%s in %s: install qemu-user-static and binfmt-support)", s, orDefault(qemu, p.Architecture), binfmtDir))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("the engine at %s (%s %s, %s/%s) cannot build for %s: it lacks %s; push from an engine that has what is missing, or for this engine's own platform (--platform linux/%s)",
		d.Endpoint, d.Kind, d.ServerVersion, orDefault(d.OS, "linux"), d.Arch, strings.Join(platforms, ","), strings.Join(missing, ", and "), d.Arch)
}
