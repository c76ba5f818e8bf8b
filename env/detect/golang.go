package detect

import (
	"fmt"
	"regexp"
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
	st := &Stack{Name: "go", Dir: dir, Manager: "go",
		Caches:    []string{"/root/.cache/go-build", goProxyCache},
		Toolchain: Toolchain{Copy: []string{"/usr/local/go"}}}
	r, err := goVersion(p, dir, st)
	r = st.versionOr(r, err, goDefault)
	st.Base = fmt.Sprintf("golang:%s-bookworm", r)
	st.Chose = append(st.Chose, "base "+st.Base)
	if !p.IsFile(rel(dir, "go.mod")) {
		return st, nil
	}
	// The module cache is part of the image (the shell needs it), made writable so the
	// host user can add modules later. Downloads also land in a cache mount that serves
	// as the first module proxy, so when go.sum gains one module, only that one comes
	// over the network.
	st.Groups = []Group{{Files: []string{rel(dir, "go.mod"), rel(dir, "go.sum")}, Install: []string{inDir(dir,
		"export GOPROXY=\"file://"+goProxyCache+",${GOPROXY:-https://proxy.golang.org,direct}\" && "+
			"go mod download -x && mkdir -p \"$GOPATH/pkg/mod/cache/download\" && cp -Rn \"$GOPATH/pkg/mod/cache/download/.\" "+goProxyCache+"/ && chmod -R a+rwX \"$GOPATH\"")}}}
	st.Found = append(st.Found, "Go module: "+rel(dir, "go.mod"))
	return st, nil
}

var (
	goLineRe        = regexp.MustCompile(`(?m)^go\s+(\S+)`)
	toolchainLineRe = regexp.MustCompile(`(?m)^toolchain\s+go(\S+)`)
)

// goVersion: the toolchain line of go.mod (or go.work) when there is one, else its go
// line; a go 1.25 module needs at least Go 1.25, and the image's Go is used as is.
func goVersion(p *Probe, dir string, st *Stack) (release, error) {
	for _, f := range []string{"go.work", "go.mod"} {
		file := rel(dir, f)
		text := p.Text(file)
		for _, re := range []*regexp.Regexp{toolchainLineRe, goLineRe} {
			if m := re.FindStringSubmatchIndex(text); m != nil {
				st.Version = Version{Value: text[m[2]:m[3]], Source: Source{File: file, Line: LineOf(text, text[m[0]:m[1]])}}
				st.Found = append(st.Found, "Go "+st.Version.String())
				return pickRelease("Go", st.Version, goReleases)
			}
		}
	}
	if v, ok := p.toolVersion(dir, "golang", "go"); ok {
		st.Version = v
		st.Found = append(st.Found, "Go "+st.Version.String())
		return pickRelease("Go", st.Version, goReleases)
	}
	st.Version = Version{Value: goDefault.String()}
	st.Left = append(st.Left, "no go line in go.mod: Go "+goDefault.String()+" is devenv's default")
	return goDefault, nil
}
