package detect

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

var (
	rubyReleases = lines("2.7", "3.0", "3.1", "3.2", "3.3", "3.4", "4.0")
	rubyDefault  = release{3, 4}
)

func rubyPresent(p *Probe, dir string) bool { return p.IsFile(rel(dir, "Gemfile")) }

// resolveRuby: the Ruby version from the project's files, and Bundler installing the
// Gemfile's gems into the image's GEM_HOME (templates/ruby.tmpl), where `ruby`,
// `bundle exec` and the gems' executables find them for any user.
func resolveRuby(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "ruby", Dir: dir, Manager: "bundler", Caches: []string{"/root/.bundle/cache"},
		Toolchain: Toolchain{Packages: []string{"ruby-full", "ruby-bundler"}}}
	r, err := rubyVersion(p, dir, st)
	r = st.versionOr(r, err, rubyDefault)
	st.Base = "ruby:" + r.String() + "-slim"
	st.Chose = append(st.Chose, "base "+st.Base)

	gemfile := rel(dir, "Gemfile")
	if !p.IsFile(gemfile) {
		return st, nil
	}
	files := []string{gemfile}
	install := "bundle install"
	lock := rel(dir, "Gemfile.lock")
	if p.IsFile(lock) {
		files = append(files, lock)
		// Frozen: a Gemfile.lock out of date with its Gemfile fails the build, naming
		// the gems, instead of being re-resolved in the image and lost.
		install = "BUNDLE_FROZEN=true bundle install"
		st.Found = append(st.Found, "bundler: "+gemfile+", "+lock)
		if v, n := lockSection(p.Text(lock), "BUNDLED WITH"); v != "" {
			st.Found = append(st.Found, fmt.Sprintf("bundled with Bundler %s (%s:%d)", v, lock, n))
			st.Left = append(st.Left, fmt.Sprintf("Gemfile.lock was made with Bundler %s: when the image's Bundler is another version, Bundler installs %s from your gem source first", v, v))
		}
		rubyNativeGems(p.Text(lock), st)
	} else {
		st.Found = append(st.Found, "bundler: "+gemfile+" (no Gemfile.lock: gems are resolved at build time)")
		st.Left = append(st.Left, "no Gemfile.lock: run `devenv run -- bundle lock` and commit it, so every build installs the same gems")
	}
	specFiles, err := gemspecFiles(p, dir, st)
	if err != nil {
		return nil, err
	}
	files = append(files, specFiles...)
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
	return st, nil
}

// rubyVersion: .ruby-version, the Gemfile's `ruby` line (a version, a range, or
// `file:`), .tool-versions and mise.toml, then the RUBY VERSION of Gemfile.lock.
func rubyVersion(p *Probe, dir string, st *Stack) (release, error) {
	if line, n := p.FirstLine(rel(dir, ".ruby-version")); line != "" {
		st.Version = Version{Value: line, Source: Source{File: rel(dir, ".ruby-version"), Line: n}}
	} else if v, rng, ok, err := gemfileRuby(p, dir); err != nil {
		return nil, err
	} else if ok && rng != "" {
		r, err := pickInRange("Ruby", rng, v.Source, rubyReleases, rubyDefault)
		if err != nil {
			return nil, err
		}
		st.Version = Version{Value: r.String(), Source: v.Source}
		st.Found = append(st.Found, fmt.Sprintf("ruby %q in %s", v.Value, v.Source))
		return r, nil
	} else if ok {
		st.Version = v
	} else if v, ok := p.toolVersion(dir, "ruby"); ok {
		st.Version = v
	} else if v, n := lockSection(p.Text(rel(dir, "Gemfile.lock")), "RUBY VERSION"); v != "" {
		// "ruby 3.2.2p53"
		st.Version = Version{Value: strings.TrimPrefix(v, "ruby "), Source: Source{File: rel(dir, "Gemfile.lock"), Line: n}}
		if i := strings.IndexByte(st.Version.Value, 'p'); i > 0 {
			st.Version.Value = st.Version.Value[:i]
		}
	}
	if st.Version.Value == "" {
		st.Version = Version{Value: rubyDefault.String()}
		st.Left = append(st.Left, "no Ruby version in the project: "+rubyDefault.String()+" is devenv's default; pin one in .ruby-version")
		return rubyDefault, nil
	}
	st.Found = append(st.Found, "Ruby "+st.Version.String())
	v := st.Version
	// rbenv and chruby accept "ruby-3.2.2"; any other engine (jruby-, truffleruby-) is
	// not the MRI the ruby images hold, and pickRelease says so.
	v.Value = strings.TrimPrefix(v.Value, "ruby-")
	return pickRelease("Ruby", v, rubyReleases)
}

var (
	gemfileRubyRe = regexp.MustCompile(`(?m)^[ \t]*ruby[ \t(]+(.*)$`)
	rubyFileRe    = regexp.MustCompile(`(?:\bfile:|:file\s*=>)\s*["']([^"']+)["']`)
	rubyStringRe  = regexp.MustCompile(`["']([^"']*)["']`)
	rubyKeywordRe = regexp.MustCompile(`\b\w+:\s|:\w+\s*=>`)
)

// gemfileRuby reads the Gemfile's `ruby` line. A plain version comes back as v; a
// requirement (`"~> 3.2"`, `">= 3.1", "< 3.4"`) as rng, in PEP 440 syntax for
// pickInRange; `ruby file: ".ruby-version"` reads that file. ok is false when the
// Gemfile names no Ruby, or names it by a constant (RUBY_VERSION).
func gemfileRuby(p *Probe, dir string) (v Version, rng string, ok bool, err error) {
	gemfile := rel(dir, "Gemfile")
	text := p.Text(gemfile)
	m := gemfileRubyRe.FindStringSubmatchIndex(text)
	if m == nil {
		return Version{}, "", false, nil
	}
	args := text[m[2]:m[3]]
	src := Source{File: gemfile, Line: strings.Count(text[:m[0]], "\n") + 1}
	if f := rubyFileRe.FindStringSubmatch(args); f != nil {
		file := path.Clean(rel(dir, f[1]))
		if path.Base(file) == ".tool-versions" {
			if tv, found := p.asdfVersion(file, []string{"ruby"}); found {
				return tv, "", true, nil
			}
		} else if line, n := p.FirstLine(file); line != "" {
			return Version{Value: line, Source: Source{File: file, Line: n}}, "", true, nil
		}
		return Version{}, "", false, &Error{File: gemfile, Line: src.Line,
			Msg: fmt.Sprintf("ruby file: %q names a file that holds no Ruby version: create it, or write the version, like ruby %q", f[1], rubyDefault.String())}
	}
	// The version strings come before any keyword argument (engine:, patchlevel:).
	if k := rubyKeywordRe.FindStringIndex(args); k != nil {
		args = args[:k[0]]
	}
	var reqs []string
	ranged := false
	for _, s := range rubyStringRe.FindAllStringSubmatch(args, -1) {
		req := strings.TrimSpace(s[1])
		if req == "" {
			continue
		}
		if strings.ContainsAny(req[:1], "<>=!~") {
			ranged = true
		}
		reqs = append(reqs, req)
	}
	if len(reqs) == 0 {
		return Version{}, "", false, nil
	}
	if !ranged && len(reqs) == 1 {
		return Version{Value: reqs[0], Source: src}, "", true, nil
	}
	// RubyGems requirements in PEP 440 words: "~>" is "~=", "=" is "==".
	pep := make([]string, len(reqs))
	for i, r := range reqs {
		switch {
		case strings.HasPrefix(r, "~>"):
			r = "~=" + strings.TrimSpace(r[2:])
		case strings.HasPrefix(r, "=") && !strings.HasPrefix(r, "=="):
			r = "==" + strings.TrimSpace(r[1:])
		}
		pep[i] = r
	}
	return Version{Value: strings.Join(reqs, ", "), Source: src}, strings.Join(pep, ","), true, nil
}

// lockSection is the first line of a Gemfile.lock section like "BUNDLED WITH" or "RUBY
// VERSION", trimmed, with its line number.
func lockSection(text, header string) (string, int) {
	ls := strings.Split(text, "\n")
	for i, l := range ls {
		if strings.TrimSpace(l) == header && i+1 < len(ls) {
			return strings.TrimSpace(ls[i+1]), i + 2
		}
	}
	return "", 0
}

var (
	gemspecLineRe   = regexp.MustCompile(`(?m)^[ \t]*gemspec\b(.*)$`)
	gemspecPathRe   = regexp.MustCompile(`(?:\bpath:|:path\s*=>)\s*["']([^"']+)["']`)
	gemspecReadRe   = regexp.MustCompile(`File\.read\(\s*(?:File\.expand_path\(\s*|File\.join\(\s*__dir__\s*,\s*)?["']([\w./-]+)["']`)
	gemspecQuotedRe = regexp.MustCompile(`["']([\w./-]*version(?:\.rb)?)["']`)
)

// gemspecFiles are the files Bundler reads for a Gemfile's `gemspec` line: the
// *.gemspec files, and the version.rb a gemspec loads for its version (most do, through
// require_relative "lib/x/version" or require "x/version" with lib on the load path).
// The rest of the gem's source is not needed to install its dependencies.
func gemspecFiles(p *Probe, dir string, st *Stack) ([]string, error) {
	gemfile := rel(dir, "Gemfile")
	text := p.Text(gemfile)
	m := gemspecLineRe.FindStringSubmatchIndex(text)
	if m == nil {
		return nil, nil
	}
	line := strings.Count(text[:m[0]], "\n") + 1
	specDir := dir
	if pm := gemspecPathRe.FindStringSubmatch(text[m[2]:m[3]]); pm != nil {
		specDir = path.Clean(rel(dir, pm[1]))
	}
	specs := p.Glob(specDir, "*.gemspec")
	if len(specs) == 0 {
		where := specDir
		if where == "" {
			where = "the project root"
		}
		return nil, &Error{File: gemfile, Line: line,
			Msg: fmt.Sprintf("the Gemfile says gemspec, but %s holds no *.gemspec: add the gem's .gemspec, or remove the gemspec line", where)}
	}
	files := append([]string{}, specs...)
	for _, spec := range specs {
		stext := p.Text(spec)
		found, named := false, false
		for _, q := range gemspecQuotedRe.FindAllStringSubmatch(stext, -1) {
			named = true
			name := strings.TrimSuffix(strings.TrimPrefix(q[1], "./"), ".rb") + ".rb"
			for _, cand := range []string{rel(specDir, name), rel(specDir, "lib/"+name)} {
				cand = path.Clean(cand)
				if p.IsFile(cand) && !strings.HasPrefix(cand, "../") {
					files = append(files, cand)
					found = true
					break
				}
			}
		}
		// Many gems keep the version in a plain file the gemspec reads:
		// File.read(File.expand_path("VERSION", __dir__)).
		for _, q := range gemspecReadRe.FindAllStringSubmatch(stext, -1) {
			if cand := path.Clean(rel(specDir, q[1])); p.IsFile(cand) && !strings.HasPrefix(cand, "../") {
				files = append(files, cand)
				named, found = true, true
			}
		}
		if named && !found {
			st.Left = append(st.Left, fmt.Sprintf("%s loads a version file devenv did not find: if bundle install fails, list it in dependencies", spec))
		}
	}
	st.Found = append(st.Found, fmt.Sprintf("gemspec in %s:%d: %s", gemfile, line, strings.Join(files, ", ")))
	sort.Strings(files)
	return dedupe(files), nil
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// rubyNativeGems: gems that compile C code need a compiler, which the slim ruby images
// lack, and some need a library's headers.
func rubyNativeGems(lock string, st *Stack) {
	headers := map[string]string{"pg": "libpq-dev", "mysql2": "default-libmysqlclient-dev", "psych": "libyaml-dev", "rmagick": "libmagickwand-dev"}
	native := []string{"bcrypt", "bigdecimal", "bootsnap", "byebug", "date", "debug", "eventmachine", "ffi", "hiredis", "io-console",
		"json", "msgpack", "mysql2", "nio4r", "pg", "psych", "puma", "racc", "redcarpet", "rmagick", "stringio", "strscan",
		"unf_ext", "websocket-driver"}
	var hits []string
	for _, g := range native {
		if strings.Contains(lock, "\n    "+g+" (") {
			hits = append(hits, g)
			if h, ok := headers[g]; ok {
				st.Packages = append(st.Packages, h)
			}
		}
	}
	if len(hits) > 0 {
		st.Packages = append([]string{"build-essential"}, st.Packages...)
		st.Chose = append(st.Chose, "build-essential for gems that compile native code: "+strings.Join(hits, ", "))
	}
}
