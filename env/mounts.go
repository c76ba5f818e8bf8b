package env

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/devenv/devenv/env/engine"
)

// MountSpec is one checked entry of mounts: a host path or a named volume.
type MountSpec struct {
	Written  string // the entry as devenv.toml writes it
	Source   string // the host path, absolute, symlinks resolved; "" for a volume
	Volume   string // the volume's name as written; "" for a host path
	Target   string // absolute, in the container
	ReadOnly bool
	// Outside is set when the source lies outside the project tree: what the
	// project asks for beyond its tree, and so what `devenv allow` is about.
	Outside bool
	// FromUser: a default mount of the user's own config, not asked about.
	FromUser bool
}

// resolveMounts checks each entry of mounts against the host: "SRC:TARGET" binds a
// host path read-only, "SRC:TARGET:rw" read-write; SRC is absolute, ~ or ~/..., or
// ./... (in the project); "volume:NAME:TARGET" is a named volume of the project,
// read-write unless ":ro". TARGET may start with ~/, the container user's home.
func resolveMounts(c *Config, d decoder, s *Spec, host Host) ([]MountSpec, error) {
	var out []MountSpec
	seen := map[string]string{}
	for _, entry := range c.Mounts {
		errf := func(format string, args ...any) error {
			return d.errItem("mounts", entry, "mounts: %q: "+format, append([]any{entry}, args...)...)
		}
		m, err := parseMount(entry, s.User.Home)
		if err != nil {
			return nil, errf("%v", err)
		}
		if !containerPath.MatchString(m.Target) || path.Clean(m.Target) != m.Target || m.Target == "/" {
			return nil, errf("target %q must be an absolute path in the container made of letters, digits and ._@+-/ (not /), like \"/data\"", m.Target)
		}
		if m.Target == s.Workdir {
			return nil, errf("target %s is where the project is mounted (workdir): pick another path", m.Target)
		}
		if prev, dup := seen[m.Target]; dup {
			return nil, errf("target %s is already mounted by %q: one mount per path", m.Target, prev)
		}
		seen[m.Target] = entry
		if m.Volume != "" {
			out = append(out, m)
			continue
		}
		if err := m.resolveSource(s.Root, host.Home); err != nil {
			return nil, errf("%v", err)
		}
		if sock := engineSocketIn(m.Source, engineSockets()); sock != "" && !c.AllowEngineSocket {
			return nil, errf("it holds the engine's socket %s, which gives the container control of the engine and the host: remove the entry, or set allow_engine_socket = true if that is what you want", sock)
		}
		out = append(out, m)
	}
	return out, nil
}

// parseMount splits an entry into its parts; the source is checked by resolveSource.
func parseMount(entry, home string) (MountSpec, error) {
	m := MountSpec{Written: entry}
	rest := entry
	if name, ok := strings.CutPrefix(entry, "volume:"); ok {
		n, after, _ := strings.Cut(name, ":")
		if !volumeNameRe.MatchString(n) {
			return m, fmt.Errorf("volume name %q must be letters, digits and ._- like \"cache\"", n)
		}
		m.Volume, rest = n, after
	} else {
		// A Windows drive's colon belongs to the source: C:\data:/data.
		drive := ""
		if len(rest) >= 2 && isLetter(rest[0]) && rest[1] == ':' {
			drive, rest = rest[:2], rest[2:]
		}
		src, after, ok := strings.Cut(rest, ":")
		if !ok || src == "" && drive == "" {
			return m, fmt.Errorf("write SOURCE:TARGET, SOURCE:TARGET:rw or volume:NAME:TARGET")
		}
		m.Source, rest = drive+src, after
	}
	target, opt, hasOpt := strings.Cut(rest, ":")
	if target == "" {
		return m, fmt.Errorf("no target: write SOURCE:TARGET, like \"~/.aws:~/.aws\"")
	}
	if target == "~" || strings.HasPrefix(target, "~/") {
		target = path.Join(home, target[1:])
	}
	m.Target = target
	m.ReadOnly = m.Volume == "" // host paths are read-only unless :rw; volumes are the project's own
	switch {
	case !hasOpt:
	case opt == "rw":
		m.ReadOnly = false
	case opt == "ro":
		m.ReadOnly = true
	default:
		return m, fmt.Errorf("unknown option %q: the last part may be rw (read-write) or ro (read-only)", opt)
	}
	return m, nil
}

// resolveSource expands ~ and ./, checks that the source exists, and resolves its
// symlinks, so that what is checked and allowed is what the engine will mount.
func (m *MountSpec) resolveSource(root, home string) error {
	src := m.Source
	switch {
	case src == "~" || strings.HasPrefix(src, "~/"):
		if home == "" {
			return fmt.Errorf("~ needs a home directory, and $HOME is not set")
		}
		src = filepath.Join(home, filepath.FromSlash(src[1:]))
	case strings.HasPrefix(src, "./") || strings.HasPrefix(src, "../") || src == "." || src == "..":
		src = filepath.Join(root, filepath.FromSlash(src))
	case !filepath.IsAbs(src):
		return fmt.Errorf("source %q must be absolute, start with ~/ (your home) or with ./ (the project)", src)
	}
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		if _, statErr := os.Lstat(src); statErr != nil {
			return fmt.Errorf("source %s does not exist: create it, or remove the entry", src)
		}
		return fmt.Errorf("cannot resolve source %s: %v", src, err)
	}
	m.Source = real
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		realRoot = root
	}
	m.Outside = !within(realRoot, real)
	return nil
}

// within reports whether p is dir or lies under it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// engineSocketIn returns the engine socket that src is, or holds (a mount of /run
// holds /run/docker.sock), or "".
func engineSocketIn(src string, sockets []string) string {
	for _, sock := range sockets {
		real, err := filepath.EvalSymlinks(sock)
		if err != nil {
			real = filepath.Clean(sock) // not there now; a mount could still expose it later
		}
		if within(src, real) || within(src, filepath.Clean(sock)) {
			return sock
		}
	}
	return ""
}

// engineSockets are the sockets a mount must not expose unasked; a variable, so
// tests can name their own.
var engineSockets = hostEngineSockets

// hostEngineSockets are the engine sockets of the host: DOCKER_HOST's, the usual
// places of Docker and Podman, rootful and rootless.
func hostEngineSockets() []string {
	socks := []string{"/var/run/docker.sock", "/run/docker.sock", "/run/podman/podman.sock"}
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" {
		socks = append(socks, filepath.Join(rt, "docker.sock"), filepath.Join(rt, "podman", "podman.sock"))
	}
	if h, ok := strings.CutPrefix(os.Getenv("DOCKER_HOST"), "unix://"); ok && h != "" {
		socks = append(socks, h)
	}
	return socks
}

// userMounts are the mounts entries as the engine takes them.
func userMounts(s *Spec, goos string) []engine.Mount {
	var out []engine.Mount
	for _, m := range s.Mounts {
		if m.Volume != "" {
			out = append(out, engine.Mount{Source: VolumeName(s.Name, m.Volume), Target: m.Target, ReadOnly: m.ReadOnly, Volume: true})
			continue
		}
		out = append(out, engine.Mount{Source: HostPathForEngine(m.Source, goos), Target: m.Target, ReadOnly: m.ReadOnly})
	}
	return out
}

// ensureMountVolumes makes the named volumes of mounts, labelled as the project's.
// A volume the engine makes new belongs to root; one this project makes is handed to
// the container's user by a one-off chown as root, so the user can write to it.
func ensureMountVolumes(ctx context.Context, eng ContainerEngine, ve VolumeEngine, p *Project) error {
	s := p.Spec
	var wanted []MountSpec
	for _, m := range s.Mounts {
		if m.Volume != "" {
			wanted = append(wanted, m)
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	have, err := ve.Volumes(ctx, map[string]string{LabelProject: s.Root})
	if err != nil {
		return err
	}
	for _, m := range wanted {
		name := VolumeName(s.Name, m.Volume)
		if slices.ContainsFunc(have, func(v engine.Volume) bool { return v.Name == name }) {
			continue
		}
		if err := ve.EnsureVolume(ctx, name, projectLabels(s)); err != nil {
			return fmt.Errorf("mounts: volume %s: %w", m.Volume, err)
		}
		if s.User.IsRoot() {
			continue
		}
		var out strings.Builder
		code, err := eng.Run(ctx, engine.RunRequest{
			Image: p.Tag, Name: containerName(s.Name), User: "0:0",
			Cmd:    []string{"chown", fmt.Sprintf("%d:%d", s.User.UID, s.User.GID), m.Target},
			Mounts: []engine.Mount{{Source: name, Target: m.Target, Volume: true}},
			Labels: p.containerLabels("run"), Stdout: &out, Stderr: &out,
		})
		if err == nil && code != 0 {
			err = fmt.Errorf("chown ended with status %d: %s", code, strings.TrimSpace(out.String()))
		}
		if err != nil {
			return fmt.Errorf("mounts: cannot give volume %s to uid %d: %w", m.Volume, s.User.UID, err)
		}
	}
	return nil
}
