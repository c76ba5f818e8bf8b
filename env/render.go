package env

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/templates"
)

// CAPath is where the host's CA bundle appears during build steps and in the container.
const CAPath = "/run/devenv/ca.pem"

// Secret ids under which the host's CA bundle and the script that points the tools
// at it reach build steps: BuildKit secrets, delivered through the build's session,
// never part of the build context or of any layer.
const (
	CASecret       = "devenv-ca"
	CAScriptSecret = "devenv-ca-env"
)

// contextDir is the folder of the build context that holds devenv's own files (the
// Dockerfile, the CA bundle), apart from the project's dependency files.
const contextDir = ".devenv"

// caEnv are the variables through which the common tools read an extra CA bundle.
var caEnv = []string{"SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "PIP_CERT", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "CARGO_HTTP_CAINFO"}

// RenderOptions are facts about the engine that change the Dockerfile.
type RenderOptions struct {
	// BuildKit enables RUN --mount: cache mounts and the CA bundle during builds.
	// Without it caches are not kept and build steps do not see the host's CAs.
	BuildKit bool
	// Buildah: a builder without BuildKit that still takes RUN --mount, caches and
	// binds from the context (Podman): the CA bundle is bound from the context
	// (engine.ContextSecretPath) instead of served as a secret (userns.go).
	Buildah bool
}

// Render turns a spec into Dockerfile text.
func Render(s *Spec, opt RenderOptions) (string, error) {
	tmpl, err := template.New("dockerfile.tmpl").ParseFS(templates.FS, "dockerfile.tmpl")
	if err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	runFlags := runMounts(s, opt)
	data := renderData{
		Source:  "devenv.toml",
		Base:    fromRef(s),
		Workdir: s.Workdir,
	}
	stackNames := []string{s.Template}
	for i, st := range s.Stacks {
		if i == 0 {
			continue
		}
		stackNames = append(stackNames, st.Name)
		// A second stack's toolchain comes from its own image, or from Debian's packages
		// (installed with the rest).
		for _, p := range st.Toolchain.Copy {
			data.Toolchains = append(data.Toolchains, "--from="+st.Base+" "+copyInstruction([]string{p}, p))
		}
		if len(st.Toolchain.Copy) > 0 {
			for _, cmd := range st.Toolchain.Setup {
				data.ToolchainSetup = append(data.ToolchainSetup, runInstruction("", cmd))
			}
		}
	}
	data.Stack = ownDockerfilePreamble(s)
	for _, name := range stackNames {
		text, err := renderStackBlock(name)
		if err != nil {
			return "", err
		}
		data.Stack += text
	}
	// Only the values an install step may need: the rest are given to the container
	// when it starts, so changing one never rebuilds (envstart.go).
	for _, k := range BuildEnvNames(s) {
		data.Env = append(data.Env, k+"="+quoteEnvValue(s.Env[k]))
	}
	if len(s.Packages) > 0 || len(s.AptSources) > 0 {
		// devenv.lock's exact versions when it pins them (lock_apply.go).
		data.Packages = runInstruction(packagesMounts(opt)+runFlags, caPrefix(s, opt)+aptSourcesScript(s.AptSources)+installPackagesScript(s.Pins.install(s.Packages)))
	}
	for _, cmd := range s.Setup {
		data.Setup = append(data.Setup, runInstruction(runFlags, caPrefix(s, opt)+cmd))
	}
	for _, g := range s.Groups {
		var rg renderGroup
		for _, dir := range groupByDir(g.Files) {
			rg.Copies = append(rg.Copies, copyInstruction(dir.files, path.Join(s.Workdir, dir.name)+"/"))
		}
		for _, cmd := range g.Install {
			rg.Installs = append(rg.Installs, runInstruction(runFlags, caPrefix(s, opt)+cmd))
		}
		data.Groups = append(data.Groups, rg)
	}
	if !s.User.IsRoot() {
		data.User = runInstruction("", addUserScript(s.User))
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return "", fmt.Errorf("template: %w", err)
	}
	text := strings.TrimLeft(buf.String(), "\n") + "\n"
	for _, line := range strings.Split(text, "\n") {
		if len(line) > maxLine {
			return "", fmt.Errorf("devenv.toml makes a Dockerfile line of %d KiB (%.40s...), over BuildKit's 64 KiB limit: move long commands into a script in the project and run that, or split long package lists",
				len(line)/1024, line)
		}
	}
	return text, nil
}

// maxLine is what BuildKit's parser takes in one line, with room for its own prefix.
const maxLine = 65535 - 64

// renderStackBlock is the "stack" block of templates/<name>.tmpl: the environment that
// stack's tools read.
func renderStackBlock(name string) (string, error) {
	t, err := template.New(name+".tmpl").ParseFS(templates.FS, name+".tmpl")
	if err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if t.Lookup("stack") == nil {
		return "", nil
	}
	if err := t.ExecuteTemplate(&buf, "stack", nil); err != nil {
		return "", fmt.Errorf("template %s: %w", name, err)
	}
	return buf.String(), nil
}

type renderData struct {
	Source string
	Base   string
	// Toolchains are COPY --from sources of the second and later stacks, and
	// ToolchainSetup the commands that finish them.
	Toolchains     []string
	ToolchainSetup []string
	// Stack is the stacks' own environment lines, from templates/<name>.tmpl.
	Stack    string
	Workdir  string
	Env      []string
	Packages string
	Setup    []string
	Groups   []renderGroup
	User     string
}

type renderGroup struct {
	Copies   []string
	Installs []string
}

// runInstruction is the exec form of RUN: the script travels as one JSON string, so a
// newline, a trailing backslash, a quote or a heredoc marker in it stays inside.
func runInstruction(flags, script string) string {
	return flags + jsonArray("/bin/sh", "-c", script)
}

func copyInstruction(sources []string, dest string) string {
	return jsonArray(append(append([]string{}, sources...), dest)...)
}

func jsonArray(items ...string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(items) // strings always encode
	return strings.TrimSpace(buf.String())
}

// runMounts are the --mount flags every build step gets: the package caches, and the
// host's CA bundle from the build context.
func runMounts(s *Spec, opt RenderOptions) string {
	if !opt.BuildKit && !opt.Buildah {
		return ""
	}
	var b strings.Builder
	for _, c := range s.Caches {
		fmt.Fprintf(&b, "--mount=type=cache,target=%s ", c)
	}
	switch {
	case s.CABundle == "":
	case opt.BuildKit:
		fmt.Fprintf(&b, "--mount=type=secret,id=%s,target=%s ", CASecret, CAPath)
		fmt.Fprintf(&b, "--mount=type=secret,id=%s,target=%s ", CAScriptSecret, caScriptPath)
	default:
		// From the context, where engine.Build puts the secrets for such a builder.
		fmt.Fprintf(&b, "--mount=type=bind,source=%s,target=%s ", engine.ContextSecretPath(CASecret), CAPath)
		fmt.Fprintf(&b, "--mount=type=bind,source=%s,target=%s ", engine.ContextSecretPath(CAScriptSecret), caScriptPath)
	}
	return b.String()
}

// packagesMounts keep apt's downloads and lists across builds, off the image.
func packagesMounts(opt RenderOptions) string {
	if !opt.BuildKit && !opt.Buildah {
		return ""
	}
	return "--mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked "
}

// caPrefix points the common tools at the host's CA bundle for one step; it is
// mounted, never copied, so the image does not keep it.
func caPrefix(s *Spec, opt RenderOptions) string {
	if s.CABundle == "" || !opt.BuildKit && !opt.Buildah {
		return ""
	}
	// Guarded: built by hand (`devenv dockerfile -o`) without the secrets, the step
	// runs as it would without devenv.
	return "if [ -f " + caScriptPath + " ]; then . " + caScriptPath + "; fi\n"
}

// caScriptPath is where build steps find the script that points the tools at the bundle.
var caScriptPath = path.Join(path.Dir(CAPath), "ca.sh")

// CAScript is the text of the script at caScriptPath.
func CAScript() string {
	var b strings.Builder
	b.WriteString("export")
	for _, v := range caEnv {
		fmt.Fprintf(&b, " %s=%s", v, CAPath)
	}
	b.WriteString("\n")
	return b.String()
}

// CAEnv is the run-time environment that points the common tools at the bundle.
func CAEnv() []string {
	out := make([]string, len(caEnv))
	for i, v := range caEnv {
		out[i] = v + "=" + CAPath
	}
	return out
}

// installPackagesScript installs OS packages with whichever package manager the base
// image has.
func installPackagesScript(pkgs []string) string {
	if len(pkgs) == 0 {
		return ""
	}
	quoted := make([]string, len(pkgs))
	for i, p := range pkgs {
		quoted[i] = shellQuote(p)
	}
	list := strings.Join(quoted, " ")
	return "set -e\n" +
		"if command -v apt-get >/dev/null 2>&1; then\n" +
		"  rm -f /etc/apt/apt.conf.d/docker-clean\n" +
		"  apt-get update -qq\n" +
		"  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends " + list + "\n" +
		"elif command -v apk >/dev/null 2>&1; then\n" +
		"  apk add --no-cache " + list + "\n" +
		"elif command -v dnf >/dev/null 2>&1; then\n" +
		"  dnf install -y " + list + "\n" +
		"elif command -v microdnf >/dev/null 2>&1; then\n" +
		"  microdnf install -y " + list + "\n" +
		"else\n" +
		"  echo 'devenv: the base image has no apt-get, apk or dnf to install packages with' >&2; exit 1\n" +
		"fi"
}

// addUserScript gives the host's UID and GID a passwd entry and a writable home, by
// editing /etc/passwd directly: it works on images without useradd (busybox, alpine).
func addUserScript(u User) string {
	return fmt.Sprintf(`set -e
uid=%d gid=%d name=%s home=%s
grep -q "^[^:]*:[^:]*:$gid:" /etc/group || echo "$name:x:$gid:" >> /etc/group
if ! grep -q "^[^:]*:[^:]*:$uid:" /etc/passwd; then
  grep -q "^$name:" /etc/passwd && name=devenv-$uid
  echo "$name:x:$uid:$gid:devenv user:$home:/bin/sh" >> /etc/passwd
fi
mkdir -p "$home" && chown "$uid:$gid" "$home" && chmod 755 "$home"`, u.UID, u.GID, u.Name, u.Home)
}

// shellQuote makes s one word for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoteEnvValue writes v as a double-quoted Dockerfile word that reads back as exactly
// v: backslash, double quote and $ are escaped so the Dockerfile neither ends the word
// nor expands a variable. Resolve has refused line breaks, which no escape can carry.
func quoteEnvValue(v string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range v {
		if r == '\\' || r == '"' || r == '$' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

type dirFiles struct {
	name  string
	files []string
}

// groupByDir groups files by directory, so each directory takes one COPY that keeps
// the files where they are in the project.
func groupByDir(files []string) []dirFiles {
	byDir := map[string][]string{}
	for _, f := range files {
		dir := path.Dir(f)
		byDir[dir] = append(byDir[dir], f)
	}
	dirs := sortedKeys(byDir)
	out := make([]dirFiles, 0, len(dirs))
	for _, d := range dirs {
		name := d
		if name == "." {
			name = ""
		}
		out = append(out, dirFiles{name: name, files: byDir[d]})
	}
	return out
}

// sortedKeys lists m's keys in order, so that what is written from a map is the same
// on every run.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
