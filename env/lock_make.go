package env

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// aptSourcesScript writes devenv.toml's apt_sources where apt reads them, before
// apt-get update: the image keeps them, so `apt-get install` in a shell sees them too.
func aptSourcesScript(sources []string) string {
	if len(sources) == 0 {
		return ""
	}
	quoted := make([]string, len(sources))
	for i, s := range sources {
		quoted[i] = shellQuote(s)
	}
	return "if [ -d /etc/apt/sources.list.d ]; then printf '%s\\n' " + strings.Join(quoted, " ") +
		" > /etc/apt/sources.list.d/devenv.list; fi\n"
}

// LockOptions tune MakeLock.
type LockOptions struct {
	Progress io.Writer // the probe build's progress and the base's pull
	Plain    bool
	Info     engine.Info
}

// probeFile is where the probe build leaves what dpkg knows before and after devenv's
// packages are installed.
const probeFile = "/.devenv-lock"

// probeScript installs the packages as a build does and records dpkg's view before and
// after; nonce makes BuildKit run it again, so the versions are today's, not cached.
func probeScript(s *Spec, nonce string) string {
	list := `dpkg-query -W -f '${db:Status-Status}\t${Package}\t${Version}\n' | awk -F '\t' '$1 == "installed" {print $2 "\t" $3}'`
	return "# devenv lock " + nonce + "\n" +
		"if ! command -v dpkg-query >/dev/null 2>&1; then echo nodpkg > " + probeFile + "; exit 0; fi\n" +
		"{ echo before; " + list + "; } > " + probeFile + "\n" +
		aptSourcesScript(s.AptSources) + installPackagesScript(s.Packages) + "\n" +
		"{ echo after; " + list + "; } >> " + probeFile
}

// MakeLock resolves what devenv.toml installs today on the engine's platform: the
// base's digest (pulling a missing base), and, through a probe build of the packages
// layer, every package's installed version. old, when given, keeps its other
// platforms' entries if they were made from the same inputs.
func MakeLock(ctx context.Context, eng Engine, p *Project, old *Lock, opt LockOptions) (*Lock, error) {
	s := p.Spec
	if s.Image != "" {
		return nil, fmt.Errorf("%s runs the prebuilt image %s: devenv builds nothing to lock (pin the image by digest instead)", s.ConfigPath, s.Image)
	}
	if s.OwnDockerfile != nil {
		return nil, fmt.Errorf("%s builds the project's own Dockerfile: devenv lock covers devenv.toml's base and packages, not a Dockerfile's", s.ConfigPath)
	}
	platform, err := lockPlatform(ctx, eng, s)
	if err != nil {
		return nil, err
	}
	id, ok, err := eng.ImageIdentity(ctx, s.Base)
	if err == nil && !ok {
		if perr := eng.PullImage(ctx, s.Base, orDiscard(opt.Progress)); perr != nil {
			return nil, fmt.Errorf("base image %s is not on this engine and could not be pulled: %v", s.Base, perr)
		}
		id, ok, err = eng.ImageIdentity(ctx, s.Base)
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("base image %s is not on this engine: `docker pull %s`", s.Base, s.Base)
	}
	entry := LockPlatform{Platform: platform, BaseID: id.ID, BaseDigest: repoDigestFor(s.Base, id.RepoDigests)}
	if len(s.Packages) > 0 {
		from := s.Base
		if entry.BaseDigest != "" {
			from = entry.BaseDigest
		}
		if entry.Packages, entry.Pulled, err = probePackages(ctx, eng, p, from, opt); err != nil {
			return nil, err
		}
	}
	lock := &Lock{
		LockVersion:   LockFormat,
		DevenvVersion: Version,
		Inputs:        LockInputs{Base: s.Base, Packages: slices.Clone(s.Packages), AptSources: slices.Clone(s.AptSources)},
		Platforms:     []LockPlatform{entry},
	}
	if old != nil && old.Inputs.Base == lock.Inputs.Base && slices.Equal(old.Inputs.Packages, lock.Inputs.Packages) &&
		slices.Equal(old.Inputs.AptSources, lock.Inputs.AptSources) {
		for _, e := range old.Platforms {
			if e.Platform != platform {
				lock.Platforms = append(lock.Platforms, e)
			}
		}
	}
	for _, t := range stackStatuses(s) {
		lock.Toolchains = append(lock.Toolchains, LockToolchain{Name: t.Name, Version: t.Version, Source: t.Source})
	}
	if lock.Files, err = dependencyDigests(s); err != nil {
		return nil, err
	}
	if len(lock.Files) == 0 {
		lock.Files = nil
	}
	return lock, nil
}

// probePackages builds the packages layer alone on from, without the build cache for
// it, and reads which packages it installed, at which versions.
func probePackages(ctx context.Context, eng Engine, p *Project, from string, opt LockOptions) (requested, pulled map[string]string, err error) {
	s := p.Spec
	ropt := RenderOptionsFor(opt.Info)
	nonce := fmt.Sprintf("%d", time.Now().UnixNano())
	df := "# devenv lock: the packages layer of " + s.ConfigPath + ", to see what it installs\nFROM " + from + "\n" +
		"RUN " + runInstruction(packagesMounts(ropt)+runMounts(s, ropt), caPrefix(s, ropt)+probeScript(s, nonce)) + "\n"
	secrets, err := BuildSecrets(s, opt.Info.BuildKit)
	if err != nil {
		return nil, nil, err
	}
	var ctxBuf bytes.Buffer
	tw := newContextTar(&ctxBuf)
	if err := tw.addBytes(DockerfilePath, []byte(df)); err != nil {
		return nil, nil, err
	}
	if err := tw.close(); err != nil {
		return nil, nil, err
	}
	labels := p.Labels()
	labels[LabelFingerprint] = "lock-probe" // never taken for the project's image
	tag := ImageTag(s.Name, "lock-"+nonce)
	progress, aptMissing := watchAptMissing(orDiscard(opt.Progress))
	err = eng.Build(ctx, engine.BuildRequest{Context: &ctxBuf, Dockerfile: DockerfilePath, Tag: tag, Labels: labels,
		BuildArgs: proxyBuildArgs(), Secrets: secrets, BuildKit: opt.Info.BuildKit, Progress: progress, Plain: opt.Plain, Platform: s.Platform})
	if err != nil {
		if aptMissing.pkg != "" {
			return nil, nil, fmt.Errorf("installing %s's packages failed: apt has no version %s of %s", s.ConfigPath, aptMissing.ver, aptMissing.pkg)
		}
		return nil, nil, fmt.Errorf("installing %s's packages to lock them failed: %v; the step's output is above", s.ConfigPath, err)
	}
	defer func() { _ = eng.RemoveImageUnlessUsed(context.WithoutCancel(ctx), tag) }()
	var out bytes.Buffer
	code, err := eng.Run(ctx, engine.RunRequest{Image: tag, Cmd: []string{"cat", probeFile}, Labels: labels, Stdout: &out, Stderr: io.Discard, Platform: s.Platform})
	if err != nil {
		return nil, nil, err
	}
	if code != 0 {
		return nil, nil, fmt.Errorf("cannot read what the packages layer installed (cat %s exited %d)", probeFile, code)
	}
	return parseProbe(out.String(), s.Packages)
}

// parseProbe reads the probe's "before" and "after" package lists into the versions of
// the requested packages and of what else was installed or changed.
func parseProbe(text string, packages []string) (requested, pulled map[string]string, err error) {
	if strings.TrimSpace(text) == "nodpkg" {
		// apk or dnf: their versions are not locked; the packages install by name.
		requested = map[string]string{}
		for _, p := range packages {
			requested[packageName(p)] = ""
		}
		return requested, nil, nil
	}
	before, after := map[string]string{}, map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch line {
		case "before":
			cur = before
			continue
		case "after":
			cur = after
			continue
		}
		name, ver, ok := strings.Cut(line, "\t")
		if !ok || cur == nil {
			continue
		}
		cur[name] = ver
	}
	if len(after) == 0 {
		return nil, nil, fmt.Errorf("the packages layer left no package list: is dpkg working in the base image?")
	}
	requested, pulled = map[string]string{}, map[string]string{}
	for _, p := range packages {
		name := packageName(p)
		requested[name] = after[name] // "" for a virtual package
	}
	for name, ver := range after {
		if _, ok := requested[name]; ok {
			continue
		}
		if before[name] != ver {
			pulled[name] = ver
		}
	}
	if len(pulled) == 0 {
		pulled = nil
	}
	return requested, pulled, nil
}

// dependencyDigests are the sha256 of every dependency file, by its path in the project.
func dependencyDigests(s *Spec) (map[string]string, error) {
	out := map[string]string{}
	for _, g := range s.Groups {
		for _, f := range g.Files {
			data, err := os.ReadFile(filepath.Join(s.Root, filepath.FromSlash(f)))
			if err != nil {
				return nil, fmt.Errorf("cannot read dependency %s: %w", f, err)
			}
			sum := sha256.Sum256(data)
			out[f] = hex.EncodeToString(sum[:])
		}
	}
	return out, nil
}

// DiffLocks says what moved from old to new, one line each, for the platforms new has:
// "package hello 1.0 -> 2.0", "base debian:bookworm sha256:4e01... -> sha256:9a2b...".
func DiffLocks(old, new *Lock) []string {
	var out []string
	if old == nil {
		old = &Lock{}
	}
	if old.Inputs.Base != new.Inputs.Base && old.Inputs.Base != "" {
		out = append(out, fmt.Sprintf("base %s -> %s", old.Inputs.Base, new.Inputs.Base))
	}
	for _, ne := range new.Platforms {
		oe := old.Platform(ne.Platform)
		if oe == nil {
			oe = &LockPlatform{}
			if old.LockVersion != 0 {
				out = append(out, "platform "+ne.Platform+" added")
			}
		}
		prefix := ""
		if len(new.Platforms) > 1 {
			prefix = ne.Platform + ": "
		}
		if oe.BaseDigest != ne.BaseDigest || oe.BaseID != ne.BaseID {
			from, to := oe.BaseDigest, ne.BaseDigest
			if from == "" {
				from = shortID(oe.BaseID)
			}
			if to == "" {
				to = shortID(ne.BaseID) + " (a local image, pinned by ID)"
			}
			if from == "" {
				from = "(none)"
			}
			out = append(out, fmt.Sprintf("%sbase %s %s -> %s", prefix, new.Inputs.Base, from, to))
		}
		out = append(out, diffVersions(prefix+"package", oe.Packages, ne.Packages)...)
		out = append(out, diffVersions(prefix+"pulled in", oe.Pulled, ne.Pulled)...)
	}
	oldT, newT := map[string]string{}, map[string]string{}
	for _, t := range old.Toolchains {
		oldT[t.Name] = t.Version
	}
	for _, t := range new.Toolchains {
		newT[t.Name] = t.Version
	}
	out = append(out, diffVersions("toolchain", oldT, newT)...)
	for _, f := range sortedKeys(new.Files) {
		if o, ok := old.Files[f]; ok && o != new.Files[f] {
			out = append(out, "file "+f+" changed")
		} else if !ok {
			out = append(out, "file "+f+" added")
		}
	}
	for _, f := range sortedKeys(old.Files) {
		if _, ok := new.Files[f]; !ok {
			out = append(out, "file "+f+" removed")
		}
	}
	return out
}

func diffVersions(what string, old, new map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(new) {
		o, had := old[k]
		switch {
		case !had:
			out = append(out, fmt.Sprintf("%s %s %s (new)", what, k, orNone(new[k])))
		case o != new[k]:
			out = append(out, fmt.Sprintf("%s %s %s -> %s", what, k, orNone(o), orNone(new[k])))
		}
	}
	for _, k := range sortedKeys(old) {
		if _, ok := new[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s %s removed", what, k, orNone(old[k])))
		}
	}
	return out
}

func orNone(v string) string {
	if v == "" {
		return "(any)"
	}
	return v
}
