package env

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/devenv/devenv/env/engine"
)

// OwnDockerfile is the project's own Dockerfile (the dockerfile key): devenv builds it
// with its own context into a content-addressed image, then builds the environment
// FROM that image, adding the host user, the working directory and devenv.toml's
// packages, setup and dependencies on top.
type OwnDockerfile struct {
	Path    string // relative to the project root, forward slashes
	Context string // relative to the project root, forward slashes; "." is the root
	// Sum hashes the Dockerfile and every name, mode and content the context sends,
	// .dockerignore applied: it is the image's tag, so the image is stale exactly when
	// one of them changes.
	Sum string
	// DockerfileSum and ContextSum are the two halves of Sum, for `devenv status` to
	// say which one changed.
	DockerfileSum, ContextSum string
	// Files and Bytes are what the context sends, for progress messages.
	Files int
	Bytes int64
}

// Tag is the image the project's Dockerfile builds into.
func (o *OwnDockerfile) Tag(project string) string {
	return OwnDockerfileTag(project, o.Sum)
}

// ownDockerfileIn is where the Dockerfile travels in the context when it lies outside
// the context folder, as `docker build -f ../Dockerfile .` allows.
const ownDockerfileIn = ".devenv-dockerfile"

// conflictsWithDockerfile are the keys that choose the base image or the toolchain,
// which the project's Dockerfile already decides.
var conflictsWithDockerfile = []string{"template", "base", "image"}

// resolveOwnDockerfile checks the dockerfile and context keys, hashes what the build
// would send, and makes the environment's base the image that Dockerfile builds.
func resolveOwnDockerfile(c *Config, s *Spec, d decoder) error {
	if !c.IsSet("dockerfile") {
		if c.IsSet("context") {
			return d.errf("context", "context is the folder sent with dockerfile: set dockerfile = \"Dockerfile\" too, or remove context")
		}
		return nil
	}
	for _, k := range conflictsWithDockerfile {
		if !c.IsSet(k) || (k == "template" && c.Template == "generic" && len(c.Templates) == 1) {
			continue
		}
		why := map[string]string{
			"template": "the Dockerfile installs the project's toolchain",
			"base":     "the Dockerfile's FROM is the base",
			"image":    "image runs a prebuilt environment instead of building one",
		}[k]
		return d.errf(k, "%s does not apply with dockerfile (%s): remove one of them", k, why)
	}
	root := c.Root()
	rel := func(key, p string) (string, error) {
		clean, ok := projectPath(p)
		if p == "" || !ok {
			return "", d.errf(key, "%s %q must be a path inside the project, relative to %s", key, p, root)
		}
		return clean, nil
	}
	df, err := rel("dockerfile", c.Dockerfile)
	if err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(df))); err != nil || !st.Mode().IsRegular() {
		return d.errf("dockerfile", "dockerfile %q is not a file in %s: name the project's Dockerfile, like dockerfile = \"Dockerfile\"", c.Dockerfile, root)
	}
	ctxDir := path.Dir(df)
	if c.IsSet("context") {
		if ctxDir, err = rel("context", c.Context); err != nil {
			return err
		}
	}
	if st, err := os.Stat(filepath.Join(root, filepath.FromSlash(ctxDir))); err != nil || !st.IsDir() {
		return d.errf("context", "context %q is not a folder of the project: name the folder the Dockerfile's COPY lines read from", c.Context)
	}
	o := &OwnDockerfile{Path: df, Context: ctxDir}
	if err := o.hash(root); err != nil {
		return d.errf("dockerfile", "%v", err)
	}
	s.OwnDockerfile = o
	s.Base = o.Tag(s.Name)
	// The Dockerfile and its ignore file are inputs a watching shell follows; the rest
	// of the context is the source tree, mounted live, so editing it does not rebuild
	// a watching shell (it does make `devenv status` stale: the image holds a copy).
	s.WatchPatterns = append(s.WatchPatterns, df, path.Join(ctxDir, ".dockerignore"))
	return nil
}

// ignorePatterns reads the .dockerignore that applies: <Dockerfile>.dockerignore beside
// the Dockerfile first, as BuildKit does, then the context's own.
func (o *OwnDockerfile) ignorePatterns(root string) ([]string, error) {
	for _, p := range []string{o.Path + ".dockerignore", path.Join(o.Context, ".dockerignore")} {
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", p, err)
		}
		defer f.Close()
		pats, err := ignorefile.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("cannot read %s: %w", p, err)
		}
		return pats, nil
	}
	return nil, nil
}

// dockerfileIn is the Dockerfile's path inside the context tar.
func (o *OwnDockerfile) dockerfileIn() string {
	if r, ok := strings.CutPrefix(o.Path, o.Context+"/"); ok && o.Context != "." {
		return r
	}
	if o.Context == "." {
		return o.Path
	}
	return ownDockerfileIn
}

// walk visits what the context sends, in name order: every file, folder and symlink
// under the context folder that .dockerignore does not exclude. A folder excluded
// with no "!" exception under it is not read at all, so node_modules/ or .git/ in
// .dockerignore costs nothing.
func (o *OwnDockerfile) walk(root string, fn func(rel string, info fs.FileInfo, full string) error) error {
	pats, err := o.ignorePatterns(root)
	if err != nil {
		return err
	}
	pm, err := patternmatcher.New(pats)
	if err != nil {
		return fmt.Errorf(".dockerignore: %v", err)
	}
	dir := filepath.Join(root, filepath.FromSlash(o.Context))
	parents := map[string]patternmatcher.MatchInfo{}
	return walkTree(dir, func(rel string, de fs.DirEntry, full string) error {
		if rel == ConfigFile && o.Context == "." {
			// devenv.toml shapes the layers on top, not this image: editing it must not
			// rebuild the project's Dockerfile.
			return nil
		}
		if len(pats) > 0 {
			excluded, info, err := pm.MatchesUsingParentResults(rel, parents[path.Dir(rel)])
			if err != nil {
				return fmt.Errorf(".dockerignore: %v", err)
			}
			if de.IsDir() {
				parents[rel] = info
			}
			if excluded {
				if de.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		info, err := de.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() && !info.IsDir() && info.Mode()&fs.ModeSymlink == 0 {
			return nil // sockets, pipes, devices: docker build skips them too
		}
		return fn(rel, info, full)
	})
}

// hash fills Sum, DockerfileSum, ContextSum, Files and Bytes.
func (o *OwnDockerfile) hash(root string) error {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(o.Path)))
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", o.Path, err)
	}
	o.DockerfileSum = shortDigest(data)
	th := newTreeHash()
	in := o.dockerfileIn()
	err = o.walk(root, func(rel string, info fs.FileInfo, full string) error {
		if rel == in {
			return nil // hashed on its own, so status can tell it from the rest
		}
		return th.add(rel, info, full)
	})
	if err != nil {
		return fmt.Errorf("reading the build context %s: %w", o.Context, err)
	}
	o.ContextSum, o.Files, o.Bytes = th.sum(12), th.files, th.bytes
	all := sha256.New()
	fmt.Fprintf(all, "devenv-own-dockerfile-v1\n%s\n%s\n%s\n%s\n", o.Path, o.Context, o.DockerfileSum, o.ContextSum)
	o.Sum = hex.EncodeToString(all.Sum(nil))[:16]
	return nil
}

// writeContext writes the context the project's Dockerfile is built with: the
// context folder as docker build would send it, and the Dockerfile itself.
func (o *OwnDockerfile) writeContext(w io.Writer, root string) error {
	tw := newContextTar(w)
	in := o.dockerfileIn()
	err := o.walk(root, func(rel string, info fs.FileInfo, full string) error {
		if rel == in {
			return nil // written below, even when .dockerignore names it
		}
		return tw.addEntry(rel, info, full)
	})
	if err != nil {
		return err
	}
	if err := tw.addFile(in, filepath.Join(root, filepath.FromSlash(o.Path))); err != nil {
		return err
	}
	return tw.close()
}

// ensureOwnImage builds the project's own Dockerfile unless the engine has the image
// for its current contents already.
func ensureOwnImage(ctx context.Context, eng Engine, p *Project, opt BuildOptions) error {
	o := p.Spec.OwnDockerfile
	if o == nil {
		return nil
	}
	tag := o.Tag(p.Spec.Name)
	if !opt.Rebuild {
		if ok, err := eng.ImageExists(ctx, tag); err != nil {
			return err
		} else if ok {
			return nil
		}
	}
	progress := orDiscard(opt.Progress)
	fmt.Fprintf(progress, "devenv: building %s with its context %s/ (%d files, %s)\n", o.Path, o.Context, o.Files, FormatSize(o.Bytes))
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(o.writeContext(pw, p.Spec.Root)) }()
	defer pr.Close()
	// No project label: the image is shared by every checkout with the same
	// Dockerfile and context, and is not an environment that status or clean would
	// list. The environment built FROM it sets these labels anew.
	err := eng.Build(ctx, engine.BuildRequest{
		Context:    pr,
		Dockerfile: o.dockerfileIn(),
		Tag:        tag,
		Labels:     map[string]string{LabelName: p.Spec.Name, LabelVersion: Version},
		BuildArgs:  proxyBuildArgs(),
		BuildKit:   opt.Info.BuildKit,
		Progress:   progress,
		Plain:      opt.Plain,
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		if ref, ok := unpullableImage(err, nil); ok {
			return fmt.Errorf("image %s, which %s starts from, is not on this engine and could not be pulled: `docker pull %s`, or change its FROM line", ref, o.Path, ref)
		}
		var be *engine.BuildError
		if errors.As(err, &be) {
			return fmt.Errorf("building %s failed: %s; the step's output is above; fix %s and run `devenv build`", o.Path, be.Msg, o.Path)
		}
		return fmt.Errorf("building %s: %w", o.Path, err)
	}
	return nil
}

// ownDockerfilePreamble goes right after FROM: the project's Dockerfile may end as
// another user, and its ENTRYPOINT would wrap every command devenv runs; devenv runs
// the command itself, as the host user, so both are reset.
func ownDockerfilePreamble(s *Spec) string {
	if s.OwnDockerfile == nil {
		return ""
	}
	return "\n# The image of the project's own " + s.OwnDockerfile.Path + ": devenv adds its user and workdir on top." +
		"\nUSER root\nENTRYPOINT []"
}

// ownDockerfileInputs names the Dockerfile and its context as inputs of the image in
// place of the base reference (a tag that changes with them) and of the FROM line
// that devenv.toml's digest would otherwise change with.
func ownDockerfileInputs(s *Spec, dockerfile string, out map[string]string) {
	o := s.OwnDockerfile
	if o == nil {
		return
	}
	delete(out, "base")
	if i := strings.Index(dockerfile, "\nFROM "); i >= 0 {
		rest := dockerfile[i+1:]
		if j := strings.IndexByte(rest, '\n'); j >= 0 {
			out[ConfigFile] = shortDigest([]byte(dockerfile[:i] + rest[j:]))
		}
	}
	out[o.Path] = o.DockerfileSum
	out["context "+strings.TrimSuffix(o.Context, "/")+"/"] = o.ContextSum
}
