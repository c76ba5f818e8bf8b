package detect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// npmLockInSync checks that package-lock.json (or npm-shrinkwrap.json) was written for
// this package.json: npm records the ranges of the root package's dependencies in the
// lock's "packages" entry "", and `npm ci` refuses a lock whose ranges differ. Said here,
// the user learns it at init or at the first load, naming both files, rather than as the
// last lines of a failed build.
func npmLockInSync(p *Probe, dir, lockName string) error {
	lockFile := rel(dir, lockName)
	b, err := p.Read(lockFile)
	if err != nil {
		return nil
	}
	root, version, err := npmLockRoot(b)
	if err != nil {
		return jsonError(lockFile, b, err)
	}
	if version < 2 || root == nil {
		return nil // a version 1 lock records no ranges of its own to compare
	}
	manifest := rel(dir, "package.json")
	mb, _ := p.Read(manifest)
	var pj struct {
		Dependencies         map[string]string `json:"dependencies"`
		DevDependencies      map[string]string `json:"devDependencies"`
		OptionalDependencies map[string]string `json:"optionalDependencies"`
	}
	if err := json.Unmarshal(mb, &pj); err != nil {
		return nil // readPackageJSON reports a package.json that does not parse
	}
	var diffs []string
	compare := func(want, got map[string]string) {
		for name, rng := range want {
			if locked, ok := got[name]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s is not in it", name))
			} else if locked != rng {
				diffs = append(diffs, fmt.Sprintf("%s %q there, %q in package.json", name, locked, rng))
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				diffs = append(diffs, fmt.Sprintf("%s is there but no longer in package.json", name))
			}
		}
	}
	compare(pj.Dependencies, root.Dependencies)
	compare(pj.DevDependencies, root.DevDependencies)
	compare(pj.OptionalDependencies, root.OptionalDependencies)
	if len(diffs) == 0 {
		return nil
	}
	sort.Strings(diffs)
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("%d more", len(diffs)-3))
	}
	return &Error{File: lockFile, Msg: fmt.Sprintf("out of date with %s (%s): run `npm install` to update it, then commit both",
		manifest, strings.Join(diffs, "; "))}
}

// npmLockDeps are the ranges a lock records for the root package.
type npmLockDeps struct {
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
}

// npmLockRoot reads the lockfileVersion and the root package's entry ("packages" → "")
// and stops there: npm writes both first, and a big monorepo's lock runs to megabytes
// that every devenv command would otherwise parse.
func npmLockRoot(b []byte) (root *npmLockDeps, version int, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		if err == nil {
			err = errors.New("the lock is not a JSON object")
		}
		return nil, 0, err
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return nil, 0, err
		}
		switch key {
		case "lockfileVersion":
			if err := dec.Decode(&version); err != nil {
				return nil, 0, err
			}
		case "packages":
			if t, err := dec.Token(); err != nil || t != json.Delim('{') {
				return nil, version, err
			}
			for dec.More() {
				name, err := dec.Token()
				if err != nil {
					return nil, version, err
				}
				if name == "" {
					root = &npmLockDeps{}
					return root, version, dec.Decode(root)
				}
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, version, err
				}
			}
			return nil, version, nil
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, version, err
			}
		}
	}
	return nil, version, nil
}
