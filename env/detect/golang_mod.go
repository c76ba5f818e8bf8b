package detect

import (
	"fmt"
	"path"
	"strings"

	"golang.org/x/mod/modfile"
)

// goWorkUses lists the member folders of the go.work in dir, relative to the root. A
// member that is missing, has no go.mod or lies outside the project is an error at its
// line: `go mod download` in the build would fail on it with less to go on.
func goWorkUses(p *Probe, dir string) ([]string, error) {
	file := rel(dir, "go.work")
	data, err := p.Read(file)
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork(file, data, nil)
	if err != nil {
		return nil, modfileError(file, err)
	}
	var members []string
	for _, u := range wf.Use {
		use, line := u.Path, u.Syntax.Start.Line
		member := path.Join(dir, use)
		if path.IsAbs(use) || member == ".." || strings.HasPrefix(member, "../") {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("use %s is outside the project, so devenv cannot copy its go.mod into the build: make the folder that holds every member the project root", use)}
		}
		if member == "." {
			member = ""
		}
		if !p.IsDir(member) {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("use %s: folder %s does not exist: create it, or remove it from go.work (go work edit -dropuse=%s)", use, folderName(member), use)}
		}
		if !p.IsFile(rel(member, "go.mod")) {
			return nil, &Error{File: file, Line: line, Msg: fmt.Sprintf("use %s: %s has no go.mod: run go mod init there, or remove it from go.work (go work edit -dropuse=%s)", use, folderName(member), use)}
		}
		members = append(members, member)
	}
	return members, nil
}

// goReplacedDirs are the folders of the project that the replace directives of modFile
// (a go.mod or go.work, in the folder dir) put in place of modules: `go mod download`
// reads their go.mod to build the module graph, so they go into the build as dependency
// files. Only the main module's replacements count (go ignores those of dependencies).
// A folder outside the project is said, not copied; a folder with no go.mod is an error
// at the directive's line.
func goReplacedDirs(p *Probe, dir, modFile string, st *Stack) ([]string, error) {
	data, err := p.Read(modFile)
	if err != nil {
		return nil, nil
	}
	var replaces []*modfile.Replace
	if path.Base(modFile) == "go.work" {
		wf, err := modfile.ParseWork(modFile, data, nil)
		if err != nil {
			return nil, modfileError(modFile, err)
		}
		replaces = wf.Replace
	} else {
		mf, err := modfile.Parse(modFile, data, nil)
		if err != nil {
			return nil, modfileError(modFile, err)
		}
		replaces = mf.Replace
	}
	var dirs []string
	for _, r := range replaces {
		if r.New.Version != "" || !modfile.IsDirectoryPath(r.New.Path) {
			continue // replaced by another module version, fetched like any other
		}
		target := path.Join(dir, r.New.Path)
		line := r.Syntax.Start.Line
		if path.IsAbs(r.New.Path) || target == ".." || strings.HasPrefix(target, "../") {
			st.Left = append(st.Left, fmt.Sprintf("%s:%d replaces %s with %s, outside the project: the build cannot see it, so that replacement fails there; keep the folder inside the project", modFile, line, r.Old.Path, r.New.Path))
			continue
		}
		if !p.IsFile(rel(target, "go.mod")) {
			return nil, &Error{File: modFile, Line: line, Msg: fmt.Sprintf("replace %s => %s: %s has no go.mod: create it, or drop the replace directive", r.Old.Path, r.New.Path, folderName(target))}
		}
		if !contains(dirs, target) {
			dirs = append(dirs, target)
		}
	}
	if len(dirs) > 0 {
		st.Found = append(st.Found, fmt.Sprintf("replaced by folders of the project (%s): %s", modFile, strings.Join(dirs, ", ")))
	}
	return dirs, nil
}

// modfileError places a go.mod or go.work syntax error at its line.
func modfileError(file string, err error) error {
	line := 0
	var msg string
	if el, ok := err.(modfile.ErrorList); ok && len(el) > 0 {
		line, msg = el[0].Pos.Line, el[0].Err.Error()
	} else {
		msg = err.Error()
	}
	return &Error{File: file, Line: line, Msg: "cannot read it (" + msg + "): fix it, then run devenv again"}
}
