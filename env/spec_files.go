package env

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/devenv/devenv/env/detect"
)

// dependencyGroups combines dependencies and install from devenv.toml with the
// stacks' defaults.
func dependencyGroups(c *Config, stacks []*detect.Stack) ([]DependencyGroup, error) {
	if c.IsSet("dependencies") {
		return c.Dependencies, nil
	}
	var groups []DependencyGroup
	for _, st := range stacks {
		for _, g := range st.Groups {
			groups = append(groups, DependencyGroup{Files: g.Files, Install: g.Install, Optional: true})
		}
	}
	if !c.IsSet("install") {
		return groups, nil
	}
	// install without dependencies: the user's commands replace the template's, run
	// after all of the template's files are copied.
	merged := DependencyGroup{Install: c.Install, Optional: true}
	for _, g := range groups {
		merged.Files = append(merged.Files, g.Files...)
	}
	if len(merged.Files) == 0 || len(expandOptional(c.Root(), merged.Files)) == 0 {
		// Nothing to copy: the commands still run, as their own layer.
		merged.Files, merged.Optional = nil, false
	}
	if len(merged.Install) == 0 {
		return nil, nil
	}
	return []DependencyGroup{merged}, nil
}

func expandOptional(root string, files []string) []string {
	out, _ := expandFiles(root, files, true)
	return out
}

// expandFiles turns file names and globs into the files they name, relative to root.
// A literal name that does not exist is an error unless optional; a glob may match
// nothing. Every file must be a regular file inside the project.
func expandFiles(root string, patterns []string, optional bool) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, p := range patterns {
		if p == "" {
			return nil, errors.New("dependency file name is empty")
		}
		clean, ok := projectPath(p)
		if !ok {
			return nil, fmt.Errorf("dependency %q is outside the project: list files under %s by their relative path", p, root)
		}
		var matches []string
		if strings.ContainsAny(p, "*?[") {
			ms, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(clean)))
			if err != nil {
				return nil, fmt.Errorf("dependency pattern %q is malformed: %v", p, err)
			}
			for _, m := range ms {
				rel, _ := filepath.Rel(root, m)
				matches = append(matches, filepath.ToSlash(rel))
			}
		} else {
			full := filepath.Join(root, filepath.FromSlash(clean))
			if _, err := os.Lstat(full); errors.Is(err, fs.ErrNotExist) {
				if optional {
					continue
				}
				return nil, fmt.Errorf("dependency file %s does not exist in %s: create it or remove it from dependencies", clean, root)
			}
			matches = []string{clean}
		}
		for _, rel := range matches {
			if seen[rel] {
				continue
			}
			if err := checkInside(root, rel); err != nil {
				return nil, err
			}
			seen[rel] = true
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out, nil
}

// checkInside makes sure rel is a regular file whose real location is in the project,
// so a symlink cannot carry a file from elsewhere on the host into the build.
func checkInside(root, rel string) error {
	if rel == contextDir || strings.HasPrefix(rel, contextDir+"/") {
		return fmt.Errorf("dependency %s is in %s, the folder name devenv keeps for its own files in the build: move or rename it", rel, contextDir)
	}
	if badPathChars.MatchString(rel) || strings.Contains(rel, `"`) {
		return fmt.Errorf("dependency %q has a character devenv cannot copy safely ($ * ? [ ] \\ \" or a control character): rename the file", rel)
	}
	full := filepath.Join(root, filepath.FromSlash(rel))
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return fmt.Errorf("cannot read dependency %s: %v", rel, err)
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("cannot read project root %s: %v", root, err)
	}
	if r, err := filepath.Rel(realRoot, real); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return fmt.Errorf("dependency %s points outside the project (to %s): copy the file into the project instead", rel, real)
	}
	st, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("cannot read dependency %s: %v", rel, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("dependency %s is not a regular file: list files, not directories (a glob like \"%s/*.txt\" works)", rel, rel)
	}
	return nil
}
