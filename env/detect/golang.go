package detect

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

var (
	goReleases = lines("1.18", "1.19", "1.20", "1.21", "1.22", "1.23", "1.24", "1.25", "1.26", "1.27")
	goDefault  = release{1, 26}
)

func goPresent(p *Probe, dir string) bool {
	return p.IsFile(rel(dir, "go.mod")) || p.IsFile(rel(dir, "go.work"))
}

// goProxyCache is a BuildKit cache mount laid out as a Go module proxy: what one build
// downloaded, the next one takes from there.
const goProxyCache = "/root/.cache/devenv-goproxy"

func resolveGo(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "go", Dir: dir, Manager: "go modules",
		Caches:    []string{"/root/.cache/go-build", goProxyCache},
		Toolchain: Toolchain{Copy: []string{"/usr/local/go"}}}
	r, err := goVersion(p, dir, st)
	r = st.versionOr(r, err, goDefault)
	st.Base = fmt.Sprintf("golang:%s-bookworm", r)
	st.Chose = append(st.Chose, "base "+st.Base)

	var files []string
	download := "go mod download -x"
	switch {
	case p.IsFile(rel(dir, "go.work")):
		members, err := goWorkUses(p, dir)
		if err != nil {
			return nil, err
		}
		files = []string{rel(dir, "go.work"), rel(dir, "go.work.sum")}
		var names []string
		for _, m := range members {
			files = append(files, rel(m, "go.mod"), rel(m, "go.sum"))
			names = append(names, rel(m, "go.mod"))
		}
		st.Found = append(st.Found, "Go workspace: "+rel(dir, "go.work")+" using "+strings.Join(names, ", "))
		for _, mod := range append([]string{rel(dir, "go.work")}, names...) {
			replaced, err := goReplacedDirs(p, path.Dir(mod), mod, st)
			if err != nil {
				return nil, err
			}
			files = appendReplaced(p, files, replaced)
		}
		// In workspace mode one download at the workspace root fetches what every member
		// needs. GOWORK=off (set in devenv.toml's env) makes each member a module of its
		// own again, so each downloads for itself.
		var each []string
		for _, m := range members {
			each = append(each, shellQuote(useArg(dir, m)))
		}
		download = `if [ "$(go env GOWORK)" = off ]; then for m in ` + strings.Join(each, " ") +
			`; do (cd "$m" && go mod download -x) || exit 1; done; else go mod download -x; fi`
	case p.IsFile(rel(dir, "go.mod")):
		files = []string{rel(dir, "go.mod"), rel(dir, "go.sum")}
		st.Found = append(st.Found, "Go module: "+rel(dir, "go.mod"))
		replaced, err := goReplacedDirs(p, dir, rel(dir, "go.mod"), st)
		if err != nil {
			return nil, err
		}
		files = appendReplaced(p, files, replaced)
	default:
		return st, nil
	}
	cgoPackages(p, st, append(append([]string{}, files...), rel(dir, "vendor/modules.txt")))
	if p.IsFile(rel(dir, "vendor/modules.txt")) {
		// go builds from vendor/ by default when it holds modules.txt (go 1.14 and
		// later), and vendor/ is in the mounted tree: nothing to download or cache.
		st.Caches = []string{"/root/.cache/go-build"}
		st.Found = append(st.Found, "vendored modules: "+rel(dir, "vendor/modules.txt"))
		st.Chose = append(st.Chose, "no download step and no module cache: go builds from "+rel(dir, "vendor")+"/ in the mounted tree (-mod=vendor is go's default there)")
		return st, nil
	}
	// The module cache is part of the image (the shell needs it), made writable so the
	// host user can add modules later. Downloads also land in a cache mount that serves
	// as the first module proxy, so when go.sum gains one module, only that one comes
	// over the network. A module without dependencies downloads nothing, so the
	// download folder is made before it is copied.
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir,
		"export GOPROXY=\"file://"+goProxyCache+",${GOPROXY:-https://proxy.golang.org,direct}\" && "+
			download+" && mkdir -p \"$GOPATH/pkg/mod/cache/download\" && cp -Rn \"$GOPATH/pkg/mod/cache/download/.\" "+goProxyCache+"/ && chmod -R a+rwX \"$GOPATH\"")}}}
	return st, nil
}

// useArg is the member folder m as go.work in dir would name it: "./api", or "." for
// dir itself.
func useArg(dir, m string) string {
	if m == dir {
		return "."
	}
	if dir == "" {
		return "./" + m
	}
	return "./" + strings.TrimPrefix(m, dir+"/")
}

// folderName names a folder relative to the root in a message.
func folderName(f string) string {
	if f == "" {
		return "the project root"
	}
	return f
}

var (
	goLineRe        = regexp.MustCompile(`(?m)^go\s+(\S+)`)
	toolchainLineRe = regexp.MustCompile(`(?m)^toolchain\s+go(\S+)`)
)

// goVersion: the toolchain line of go.work (or go.mod) when there is one, else its go
// line; a go 1.25 module needs at least Go 1.25, and the image's Go is used as is.
func goVersion(p *Probe, dir string, st *Stack) (release, error) {
	for _, f := range []string{"go.work", "go.mod"} {
		file := rel(dir, f)
		text := p.Text(file)
		for _, re := range []*regexp.Regexp{toolchainLineRe, goLineRe} {
			if m := re.FindStringSubmatchIndex(text); m != nil {
				return st.pin("Go", Version{Value: text[m[2]:m[3]], Source: Source{File: file, Line: strings.Count(text[:m[0]], "\n") + 1}}, goReleases)
			}
		}
	}
	if v, ok := p.toolVersion(dir, "golang", "go"); ok {
		return st.pin("Go", v, goReleases)
	}
	st.Version = Version{Value: goDefault.String()}
	st.Left = append(st.Left, "no go line in go.mod: Go "+goDefault.String()+" is devenv's default")
	return goDefault, nil
}

// appendReplaced adds the go.mod and go.sum of each replacement folder to files.
func appendReplaced(p *Probe, files, dirs []string) []string {
	for _, d := range dirs {
		for _, f := range []string{rel(d, "go.mod"), rel(d, "go.sum")} {
			if !contains(files, f) && (path.Base(f) == "go.mod" || p.IsFile(f)) {
				files = append(files, f)
			}
		}
	}
	return files
}
