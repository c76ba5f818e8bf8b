package detect

import (
	"encoding/json"
	"fmt"
	"strings"
)

var (
	phpReleases = lines("7.4", "8.0", "8.1", "8.2", "8.3", "8.4", "8.5")
	phpDefault  = release{8, 3}
)

func phpPresent(p *Probe, dir string) bool { return p.IsFile(rel(dir, "composer.json")) }

// composerJSON is the part of composer.json devenv reads.
type composerJSON struct {
	Require map[string]string `json:"require"`
	Config  struct {
		Platform map[string]string `json:"platform"`
	} `json:"config"`
}

// composerWrapper is /usr/local/bin/composer: the php images ship no Composer and
// getcomposer.org is a download of its own, so Composer comes from Debian's package
// (Packages) and runs on the image's own PHP, not on the Debian PHP the package pulls
// in. Its cache is in the image, shared by every user, so a `composer install` at run
// time takes the packages the build downloaded.
const composerWrapper = `#!/bin/sh
# devenv: Debian's Composer on this image's PHP, with the packages the build downloaded.
export COMPOSER_CACHE_DIR="${COMPOSER_CACHE_DIR:-/var/cache/composer}" COMPOSER_ALLOW_SUPERUSER=1
exec php /usr/bin/composer "$@"
`

// resolvePHP: the PHP version from the project's files, and Composer installing
// composer.lock's packages in the build, which keeps them in the image's Composer cache.
func resolvePHP(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "php", Dir: dir, Manager: "composer",
		Packages:  []string{"composer", "unzip"},
		Toolchain: Toolchain{Packages: []string{"php-cli", "composer", "unzip"}}}
	file := rel(dir, "composer.json")
	cj := &composerJSON{}
	if b, err := p.Read(file); err == nil {
		if err := json.Unmarshal(b, cj); err != nil {
			return nil, jsonError(file, b, err)
		}
	}
	r, err := phpVersion(p, dir, cj, st)
	r = st.versionOr(r, err, phpDefault)
	st.Base = "php:" + r.String() + "-cli"
	st.Chose = append(st.Chose, "base "+st.Base,
		"Composer from Debian's composer package, run by the image's PHP (the php images have none)")

	wrapper := "printf '%s' " + shellQuote(composerWrapper) + " > /usr/local/bin/composer && chmod 755 /usr/local/bin/composer && " +
		"mkdir -p /var/cache/composer && chmod 1777 /var/cache/composer"
	st.Groups = []Group{{Install: []string{wrapper}}}
	if !p.IsFile(file) {
		return st, nil
	}
	files := []string{file}
	// --no-scripts and --no-autoloader: scripts and the autoloader need the project's
	// source, which is not in the build. vendor/ is removed: the working tree mounted
	// over /workspace would hide it; the packages stay in the image's cache.
	install := "composer install --no-interaction --no-progress --no-scripts --no-autoloader && rm -rf vendor && chmod -R a+rwX /var/cache/composer"
	if lock := rel(dir, "composer.lock"); p.IsFile(lock) {
		files = append(files, lock)
		st.Found = append(st.Found, "composer: "+file+", "+lock)
	} else {
		st.Found = append(st.Found, "composer: "+file+" (no composer.lock: packages are resolved at build time)")
		st.Left = append(st.Left, "no composer.lock: run `devenv run -- composer update --no-install` and commit it, so every build installs the same packages")
	}
	st.Groups = append(st.Groups, Group{Files: files, Install: []string{inDir(dir, install)}})
	st.Left = append(st.Left, "vendor/ is made in your working tree by `devenv run -- composer install`, offline from the packages the image holds, with the autoloader and your scripts: devenv runs nothing at container start yet")
	return st, nil
}

// phpVersion: .php-version, .tool-versions and mise.toml, config.platform.php of
// composer.json (the PHP Composer resolves for), then require.php, whose range picks
// the default when it allows it.
func phpVersion(p *Probe, dir string, cj *composerJSON, st *Stack) (release, error) {
	file := rel(dir, "composer.json")
	if line, n := p.FirstLine(rel(dir, ".php-version")); line != "" {
		st.Version = Version{Value: line, Source: Source{File: rel(dir, ".php-version"), Line: n}}
	} else if v, ok := p.toolVersion(dir, "php"); ok {
		st.Version = v
	} else if v := cj.Config.Platform["php"]; v != "" {
		st.Version = Version{Value: v, Source: Source{File: file, Line: jsonKeyLine(p.Text(file), "platform", "php")}}
	} else if rng := cj.Require["php"]; rng != "" {
		src := Source{File: file, Line: jsonKeyLine(p.Text(file), "require", "php")}
		r, err := composerPickInRange(rng, src)
		if err != nil {
			return nil, err
		}
		st.Version = Version{Value: r.String(), Source: src}
		st.Found = append(st.Found, fmt.Sprintf("require.php %q in %s", rng, src))
		return r, nil
	}
	return st.pinOrDefault("PHP", phpReleases, phpDefault, "say which in composer.json's require.php or .php-version")
}

// jsonKeyLine is the line of "key" inside the object "parent" of a JSON text: close
// enough for a message, without a position-keeping parser.
func jsonKeyLine(text, parent, key string) int {
	i := strings.Index(text, `"`+parent+`"`)
	if i < 0 {
		return 0
	}
	j := strings.Index(text[i:], `"`+key+`"`)
	if j < 0 {
		return LineOf(text, `"`+parent+`"`)
	}
	return strings.Count(text[:i+j], "\n") + 1
}

// composerPickInRange chooses the release for a Composer constraint like "^8.1",
// ">=8.1 <8.4", "~8.2.0", "8.2.*" or "^7.4 || ^8.0": the default when it allows it,
// else the newest release it allows.
func composerPickInRange(constraint string, src Source) (release, error) {
	var alts []func(release) bool
	for _, alt := range strings.Split(strings.ReplaceAll(constraint, "||", "|"), "|") {
		// Clauses are separated by spaces or commas; an operator may stand apart from
		// its version (">= 8.1").
		var clauses []string
		fields := strings.Fields(strings.ReplaceAll(alt, ",", " "))
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			if strings.Trim(f, "<>=!~^") == "" && i+1 < len(fields) {
				f += fields[i+1]
				i++
			}
			if f == "*" || f == "x" {
				continue
			}
			if strings.HasPrefix(f, "=") && !strings.HasPrefix(f, "==") {
				f = "=" + f
			}
			clauses = append(clauses, strings.TrimSuffix(strings.TrimSuffix(f, ".*"), ".x"))
		}
		allows, err := pep440Allows(strings.Join(clauses, ","))
		if err != nil {
			return nil, &Error{File: src.File, Line: src.Line, Msg: fmt.Sprintf("PHP version constraint %q: %v: write one like \"^8.2\"", constraint, err)}
		}
		alts = append(alts, allows)
	}
	allowed := func(r release) bool {
		for _, a := range alts {
			if a(r) {
				return true
			}
		}
		return false
	}
	return pickAllowed("PHP", fmt.Sprintf("version constraint %q", constraint), allowed, src, phpReleases, phpDefault)
}
