package detect

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// relinkWorkspace points the links the install made to workspace members (relative
// ones, like node_modules/b -> ../packages/b) at the members' absolute paths under the
// workdir: once node_modules is in /node_modules a relative link would point nowhere,
// while the absolute one reaches the member in the mounted tree, edits and all. Links
// inside node_modules itself (.bin, pnpm's .pnpm) move with it and stay.
const relinkWorkspace = `find node_modules -maxdepth 2 -type l | while read -r l; do ` +
	`t=$(readlink "$l"); case "$t" in /*) continue;; esac; ` +
	`a=$(realpath -m "$(dirname "$PWD/$l")/$t"); ` +
	`case "$a" in "$PWD/node_modules"|"$PWD/node_modules/"*) ;; *) ln -sfn "$a" "$l";; esac; done`

// memberModules deals with node_modules the install left in workspace members: the
// mount hides them at run time, so the build says which packages they hold (versions
// that conflict with the hoisted ones) instead of keeping them unseen in the image.
func memberModules(members []string) string {
	quoted := make([]string, len(members))
	for i, m := range members {
		quoted[i] = shellQuote(m)
	}
	return `for m in ` + strings.Join(quoted, " ") + `; do if [ -d "$m/node_modules" ]; then ` +
		`extra=$(find "$m/node_modules" -mindepth 1 -maxdepth 1 ! -name .bin ! -name .cache | sed 's|.*/node_modules/||' | tr '\n' ' '); ` +
		`if [ -n "$extra" ]; then echo "devenv: $m needs its own versions of $extra(they conflict with the workspace's): the mount hides $m/node_modules at run time; align the versions, or run the install in the container" >&2; fi; ` +
		`rm -rf "$m/node_modules"; fi; done`
}

// globIn is Probe.Glob for a pattern relative to the stack's folder, giving paths
// relative to that folder.
func (p *Probe) globIn(dir, pattern string) []string {
	var out []string
	for _, f := range p.Glob(rel(dir, path.Dir(pattern)), path.Base(pattern)) {
		if dir != "" {
			f = strings.TrimPrefix(f, dir+"/")
		}
		out = append(out, f)
	}
	return out
}

// nodeWorkspaces lists the workspace members, folders relative to the stack's folder:
// package.json "workspaces" (an array, or {"packages": [...]}) and pnpm-workspace.yaml
// "packages:". A glob is expanded one folder level per path segment; a folder named
// outright must hold a package.json.
func nodeWorkspaces(p *Probe, dir string, pj *packageJSON, pm manager, st *Stack) ([]string, error) {
	type entry struct {
		glob string
		line int
	}
	var entries []entry
	var file string
	if len(pj.Workspaces) > 0 && string(pj.Workspaces) != "null" {
		file = rel(dir, "package.json")
		line := p.LineOf(file, `"workspaces"`)
		var list []string
		if err := json.Unmarshal(pj.Workspaces, &list); err != nil {
			var obj struct {
				Packages []string `json:"packages"`
			}
			if err := json.Unmarshal(pj.Workspaces, &obj); err != nil {
				return nil, &Error{File: file, Line: line, Msg: `"workspaces" must be an array of folders, or {"packages": [...]}`}
			}
			list = obj.Packages
		}
		text := p.Text(file)
		for _, g := range list {
			l := LineOf(text, `"`+g+`"`)
			if l < line {
				l = line
			}
			entries = append(entries, entry{g, l})
		}
	} else if f := rel(dir, "pnpm-workspace.yaml"); p.IsFile(f) {
		file = f
		globs, lines := pnpmWorkspacePackages(p.Text(f))
		for i, g := range globs {
			entries = append(entries, entry{g, lines[i]})
		}
	}
	var members []string
	seen := map[string]bool{}
	for _, e := range entries {
		g := strings.TrimPrefix(path.Clean(strings.TrimPrefix(e.glob, "./")), "./")
		switch {
		case strings.HasPrefix(e.glob, "!"):
			continue // an exclusion: the members it leaves out are copied all the same, which is harmless
		case g == "." || g == "":
			continue
		case path.IsAbs(g) || g == ".." || strings.HasPrefix(g, "../"):
			return nil, &Error{File: file, Line: e.line, Msg: fmt.Sprintf("workspace %q is outside the project: devenv builds from the project's own files", e.glob)}
		}
		if strings.Contains(g, "**") {
			st.Left = append(st.Left, fmt.Sprintf("workspace %q in %s:%d: devenv looks one folder deep for each *, not at every depth", e.glob, file, e.line))
			g = strings.ReplaceAll(g, "**", "*")
		}
		found := p.workspaceDirs(dir, g)
		if !strings.ContainsAny(g, "*?[") && len(found) == 0 {
			return nil, &Error{File: file, Line: e.line, Msg: fmt.Sprintf("workspace member %s has no package.json: create it, or remove %q from the workspaces", rel(dir, g), e.glob)}
		}
		if len(found) == 0 {
			st.Left = append(st.Left, fmt.Sprintf("workspace %q in %s:%d matches no folder with a package.json", e.glob, file, e.line))
		}
		for _, m := range found {
			// npm reads every member's manifest in the build: a broken one is named now.
			if _, err := readPackageJSON(p, rel(dir, path.Join(m, "package.json"))); err != nil {
				return nil, err
			}
			if !seen[m] {
				seen[m] = true
				members = append(members, m)
			}
		}
	}
	if len(members) > 0 {
		noun := "members"
		if len(members) == 1 {
			noun = "member"
		}
		st.Found = append(st.Found, fmt.Sprintf("workspace of %d %s (%s): %s", len(members), noun, file, strings.Join(members, ", ")))
	}
	return members, nil
}

// workspaceDirs expands a workspace glob, relative to dir, into the folders that hold a
// package.json, one folder level per path segment; node_modules and hidden folders
// are never entered.
func (p *Probe) workspaceDirs(dir, glob string) []string {
	var out []string
	for _, d := range p.GlobManifests(dir, glob, "package.json") {
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(d, dir), "/"))
	}
	return out
}

// pnpmWorkspacePackages reads the packages: list of pnpm-workspace.yaml, as block
// entries ("  - 'packages/*'") or a flow list, with each entry's line.
func pnpmWorkspacePackages(text string) ([]string, []int) {
	var globs []string
	var lines []int
	unquote := func(s string) string {
		s = strings.TrimSpace(strings.SplitN(s, " #", 2)[0])
		return strings.Trim(s, `'"`)
	}
	in := false
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if !strings.HasPrefix(line, " ") && !strings.HasPrefix(line, "\t") && !strings.HasPrefix(line, "-") {
			in = false
			if rest, ok := strings.CutPrefix(trimmed, "packages:"); ok {
				in = true
				if rest = strings.TrimSpace(rest); strings.HasPrefix(rest, "[") {
					for _, g := range strings.Split(strings.Trim(rest, "[]"), ",") {
						if g = unquote(g); g != "" {
							globs, lines = append(globs, g), append(lines, i+1)
						}
					}
					in = false
				}
			}
			continue
		}
		if in && strings.HasPrefix(trimmed, "-") {
			if g := unquote(strings.TrimPrefix(trimmed, "-")); g != "" {
				globs, lines = append(globs, g), append(lines, i+1)
			}
		}
	}
	return globs, lines
}
