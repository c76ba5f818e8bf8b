package detect

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// reqWalk follows requirements files through their -r and -c lines.
type reqWalk struct {
	p     *Probe
	dir   string   // the stack's folder, where pip runs
	files []string // every file read, in the order met
	// drops are the lines of each file that name a package in the project itself, left
	// out of the cached install: sed line addresses like "3" or "7,8".
	drops     map[string][]string
	dropFiles []string
	projects  []localProject
	notes     []string
}

// localProject is a folder of the project that a requirements line installs ("-e .",
// "./libs/foo[extra]").
type localProject struct {
	dir      string // relative to the root, "" for the root
	extras   []string
	at       Source
	line     string
	manifest string // its pyproject.toml or setup.cfg with requirements, "" when none
}

// requirementsGroup installs the requirements files of dir, with every file they
// include; the folders their local lines name come back for the .pth file.
func requirementsGroup(p *Probe, dir string, reqs []string, st *Stack) ([]string, error) {
	w := &reqWalk{p: p, dir: dir, drops: map[string][]string{}}
	for _, f := range reqs {
		if err := w.walk(f); err != nil {
			return nil, err
		}
	}
	nested := without(w.files, reqs)
	found := "requirements: " + strings.Join(reqs, ", ")
	if len(nested) > 0 {
		found += " (and what they include: " + strings.Join(nested, ", ") + ")"
	}
	st.Found = append(st.Found, found)
	st.Found = append(st.Found, w.notes...)

	var cmd []string
	for _, f := range w.dropFiles {
		cmd = append(cmd, "sed -i "+shellQuote(strings.Join(w.drops[f], "d;")+"d")+" "+shellQuote(relFrom(dir, f)))
	}
	const out = "/tmp/devenv-requirements.txt"
	install := "pip install"
	for _, f := range reqs {
		install += " -r " + shellQuote(relFrom(dir, f))
	}
	var dirs []string
	manifests := 0
	for _, lp := range w.projects {
		dirs = append(dirs, lp.dir)
		what := fmt.Sprintf("%s %q: ", lp.at, lp.line)
		if lp.manifest == "" {
			st.Left = append(st.Left, what+"its own requirements are not installed (no [project] dependencies or setup.cfg install_requires to read them from)")
		} else {
			w.files = append(w.files, lp.manifest)
			cmd = append(cmd, projectRequirementsTo(relFrom(dir, lp.manifest), lp.extras, nil, out))
			manifests++
			st.Chose = append(st.Chose, what+"its requirements installed from "+lp.manifest+extrasPhraseList(lp.extras))
		}
	}
	if len(w.projects) > 0 {
		st.Chose = append(st.Chose, "lines that install the project's own folders are left out of the cached install (sed deletes them from the build's copy)")
	}
	if manifests > 0 {
		install += " -r " + out + " && rm " + out
	}
	cmd = append(cmd, install)
	st.Groups = []Group{{Files: w.files, Install: []string{inDir(dir, strings.Join(cmd, " && "))}}}
	return dirs, nil
}

func extrasPhraseList(extras []string) string {
	if len(extras) == 0 {
		return ""
	}
	return " with extras " + strings.Join(extras, ", ")
}

var (
	commentRe = regexp.MustCompile(`(^|\s)#.*$`)
	optionRe  = regexp.MustCompile(`^(-[rcef]|--requirement|--constraint|--editable|--find-links)(?:\s*=\s*|\s+|)(\S.*)?$`)
	schemeRe  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)
	vcsRe     = regexp.MustCompile(`^(git|hg|svn|bzr)\+`)
)

// walk reads one requirements file and the files it includes.
func (w *reqWalk) walk(file string) error {
	if contains(w.files, file) {
		return nil
	}
	w.files = append(w.files, file)
	b, err := w.p.Read(file)
	if err != nil {
		return &Error{File: file, Msg: "cannot read it (" + err.Error() + ")"}
	}
	physical := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for i := 0; i < len(physical); i++ {
		start, line := i+1, physical[i]
		// A backslash at the end joins the next line (before comments are stripped, as pip does).
		for strings.HasSuffix(line, `\`) && i+1 < len(physical) {
			i++
			line = strings.TrimSuffix(line, `\`) + " " + physical[i]
		}
		end := i + 1
		line = strings.TrimSpace(commentRe.ReplaceAllString(line, ""))
		if line == "" {
			continue
		}
		at := Source{File: file, Line: start}
		if m := optionRe.FindStringSubmatch(line); m != nil {
			arg := strings.Trim(strings.TrimSpace(m[2]), `"'`)
			switch m[1] {
			case "-r", "--requirement", "-c", "--constraint":
				if err := w.include(at, m[1], arg); err != nil {
					return err
				}
			case "-e", "--editable":
				if schemeRe.MatchString(arg) || vcsRe.MatchString(arg) {
					w.notes = append(w.notes, fmt.Sprintf("%s: editable %s is cloned into ./src of the build, which the working tree hides at run time: install it as a normal requirement", at, arg))
					continue
				}
				if err := w.local(at, start, end, arg, line); err != nil {
					return err
				}
			case "-f", "--find-links":
				if !schemeRe.MatchString(arg) {
					w.notes = append(w.notes, fmt.Sprintf("%s: --find-links %s: a folder the build does not see; packages found only there will not install", at, arg))
				}
			}
			continue
		}
		if strings.HasPrefix(line, "-") {
			continue // --index-url and other pip options: pip reads them itself
		}
		if spec, ok := localPath(line); ok {
			if err := w.local(at, start, end, spec, line); err != nil {
				return err
			}
		}
	}
	return nil
}

// include follows a -r or -c line; its path is relative to the including file.
func (w *reqWalk) include(at Source, opt, arg string) error {
	if arg == "" {
		return &Error{File: at.File, Line: at.Line, Msg: opt + " names no file: give the file it includes, or remove the line"}
	}
	if schemeRe.MatchString(arg) {
		w.notes = append(w.notes, fmt.Sprintf("%s: %s %s is read from the network at every build, not cached by its contents", at, opt, arg))
		return nil
	}
	target := path.Join(path.Dir(at.File), arg)
	if path.IsAbs(arg) || target == ".." || strings.HasPrefix(target, "../") {
		return &Error{File: at.File, Line: at.Line,
			Msg: fmt.Sprintf("%s %s is outside the project, and the build sees only the project's files: move the file into the project", opt, arg)}
	}
	if !w.p.IsFile(target) {
		return &Error{File: at.File, Line: at.Line,
			Msg: fmt.Sprintf("%s %s: no such file (%s, relative to %s): create it, or fix the line", opt, arg, target, at.File)}
	}
	return w.walk(target)
}

// localPath reports whether a requirement line names a path rather than a package on
// an index: ".", "./libs/foo[x]", "file:...", "name @ file:...", "libs/foo".
func localPath(line string) (string, bool) {
	spec := line
	if i := strings.Index(line, " @ "); i > 0 {
		spec = strings.TrimSpace(line[i+3:])
		if !strings.HasPrefix(spec, "file:") {
			return "", false
		}
	}
	spec = strings.Fields(spec)[0]
	switch {
	case strings.HasPrefix(spec, "file:"):
		return spec, true
	case schemeRe.MatchString(spec) || vcsRe.MatchString(spec):
		return "", false
	case strings.HasPrefix(spec, ".") || strings.HasPrefix(spec, "/") || strings.Contains(strings.SplitN(spec, ";", 2)[0], "/"):
		return strings.SplitN(spec, ";", 2)[0], true
	}
	return "", false
}

// local handles a line that installs a path: a folder of the project is left out of
// the cached install (lines start to end) and imported from the working tree; an archive
// (a wheel, an sdist) is copied into the build and installed as it is.
func (w *reqWalk) local(at Source, start, end int, spec, line string) error {
	line = strings.Join(strings.Fields(line), " ")
	spec = strings.TrimPrefix(strings.TrimPrefix(spec, "file://"), "file:")
	var extras []string
	if i := strings.Index(spec, "["); i > 0 && strings.HasSuffix(spec, "]") {
		for _, e := range strings.Split(spec[i+1:len(spec)-1], ",") {
			if e = strings.TrimSpace(e); e != "" {
				extras = append(extras, e)
			}
		}
		spec = spec[:i]
	}
	drop := func() {
		if _, ok := w.drops[at.File]; !ok {
			w.dropFiles = append(w.dropFiles, at.File)
		}
		addr := strconv.Itoa(start)
		if end > start {
			addr += "," + strconv.Itoa(end)
		}
		w.drops[at.File] = append(w.drops[at.File], addr)
	}
	// pip reads a path in a requirements file relative to where it runs, not to the file.
	target := path.Join(w.dir, spec)
	if path.IsAbs(spec) || target == ".." || strings.HasPrefix(target, "../") {
		drop()
		w.notes = append(w.notes, fmt.Sprintf("%s: %s is outside the project: not installed (the build and the container see only the project)", at, line))
		return nil
	}
	if w.p.IsFile(target) {
		if !contains(w.files, target) {
			w.files = append(w.files, target)
		}
		return nil
	}
	if !w.p.IsDir(target) {
		return &Error{File: at.File, Line: at.Line,
			Msg: fmt.Sprintf("%s: no such file or folder in the project (%s; pip reads it relative to %s): fix the line", line, target, pyWhere(w.dir))}
	}
	drop()
	lp := localProject{dir: path.Clean(target), extras: extras, at: at, line: line}
	if lp.dir == "." {
		lp.dir = ""
	}
	pp := &pyproject{}
	if f := rel(lp.dir, "pyproject.toml"); w.p.IsFile(f) {
		if err := readTOML(w.p, f, pp); err != nil {
			return err
		}
		if pp.Project != nil && !contains(pp.Project.Dynamic, "dependencies") {
			lp.manifest = f
		}
	}
	if f := rel(lp.dir, "setup.cfg"); lp.manifest == "" && setupCfgRequires(w.p.Text(f)) {
		lp.manifest = f
	}
	for _, o := range w.projects {
		if o.dir == lp.dir {
			return nil
		}
	}
	w.projects = append(w.projects, lp)
	return nil
}

func pyWhere(dir string) string {
	if dir == "" {
		return "the project root"
	}
	return dir + "/"
}
