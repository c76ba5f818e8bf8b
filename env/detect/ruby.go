package detect

import (
	"regexp"
)

var (
	rubyReleases = lines("2.7", "3.0", "3.1", "3.2", "3.3", "3.4", "4.0")
	rubyDefault  = release{3, 4}
)

func rubyPresent(p *Probe, dir string) bool { return p.IsFile(rel(dir, "Gemfile")) }

var gemfileRubyRe = regexp.MustCompile(`(?m)^\s*ruby\s+["']([^"']+)["']`)

func resolveRuby(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "ruby", Dir: dir, Manager: "bundler", Caches: []string{"/root/.cache/bundle"},
		Toolchain: Toolchain{Packages: []string{"ruby-full", "ruby-bundler"}}}
	r := rubyDefault
	if line, n := p.FirstLine(rel(dir, ".ruby-version")); line != "" {
		st.Version = Version{Value: line, Source: Source{File: rel(dir, ".ruby-version"), Line: n}}
	} else if text := p.Text(rel(dir, "Gemfile")); gemfileRubyRe.MatchString(text) {
		m := gemfileRubyRe.FindStringSubmatch(text)
		st.Version = Version{Value: m[1], Source: Source{File: rel(dir, "Gemfile"), Line: LineOf(text, m[0])}}
	} else if v, ok := p.toolVersion(dir, "ruby"); ok {
		st.Version = v
	}
	if st.Version.Value != "" {
		st.Found = append(st.Found, "Ruby "+st.Version.String())
		v := st.Version
		v.Value = regexp.MustCompile(`^ruby-`).ReplaceAllString(v.Value, "")
		picked, err := pickRelease("Ruby", v, rubyReleases)
		r = st.versionOr(picked, err, rubyDefault)
	} else {
		st.Version = Version{Value: rubyDefault.String()}
		st.Left = append(st.Left, "no Ruby version in the project: "+rubyDefault.String()+" is devenv's default; pin one in .ruby-version")
	}
	st.Base = "ruby:" + r.String() + "-slim"
	st.Chose = append(st.Chose, "base "+st.Base)
	if p.IsFile(rel(dir, "Gemfile")) {
		st.Groups = []Group{{Files: []string{rel(dir, "Gemfile"), rel(dir, "Gemfile.lock")}, Install: []string{inDir(dir, "bundle install")}}}
	}
	return st, nil
}
