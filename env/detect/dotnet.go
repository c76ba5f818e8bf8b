package detect

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// No .NET SDK can be installed on the machines devenv is built on (no image registry,
// and NuGet and Microsoft's feeds are not reachable), so the .NET stack is proved by
// unit tests only: detection, versions and the restore command, not a real restore.

var (
	dotnetReleases = lines("3.1", "5.0", "6.0", "7.0", "8.0", "9.0", "10.0")
	dotnetDefault  = release{10, 0}
)

// dotnetProjectPatterns are the MSBuild project files `dotnet restore` reads.
var dotnetProjectPatterns = []string{"*.csproj", "*.fsproj", "*.vbproj"}

func dotnetPresent(p *Probe, dir string) bool {
	return len(dotnetSolutions(p, dir)) > 0 || len(dotnetLocalProjects(p, dir)) > 0 ||
		strings.Contains(p.Text(rel(dir, "global.json")), `"sdk"`)
}

func dotnetSolutions(p *Probe, dir string) []string {
	return append(p.Glob(dir, "*.sln"), p.Glob(dir, "*.slnx")...)
}

func dotnetLocalProjects(p *Probe, dir string) []string {
	var out []string
	for _, pat := range dotnetProjectPatterns {
		out = append(out, p.Glob(dir, pat)...)
	}
	return out
}

// resolveDotnet: the SDK from global.json or the newest TargetFramework of the
// projects; `dotnet restore` over the solution, with every project file and the
// MSBuild and NuGet files that shape a restore in the build. Packages go to
// NUGET_PACKAGES in the image (templates/dotnet.tmpl): the obj/ folders restore writes
// are hidden by the mounted tree, and the first build at run time restores again from
// that folder, offline.
func resolveDotnet(p *Probe, dir string) (*Stack, error) {
	st := &Stack{Name: "dotnet", Dir: dir, Manager: "nuget",
		Toolchain: Toolchain{Copy: []string{"/usr/share/dotnet"}, Setup: []string{"ln -sf /usr/share/dotnet/dotnet /usr/local/bin/dotnet"}}}
	slns := dotnetSolutions(p, dir)
	projects, err := dotnetProjects(p, dir, slns, st)
	if err != nil {
		return nil, err
	}
	sdk, err := globalJSONSDK(p, dir)
	if err != nil {
		return nil, err
	}
	r, err := dotnetVersion(p, dir, sdk, projects, st)
	r = st.versionOr(r, err, dotnetDefault)
	st.Base = "mcr.microsoft.com/dotnet/sdk:" + r.String()
	st.Chose = append(st.Chose, "base "+st.Base)

	if len(projects) == 0 {
		return st, nil
	}
	files := append(append([]string{}, slns...), projects...)
	// The MSBuild and NuGet files restore reads, from each project's folder up to the
	// stack's: Directory.Build.props can set TargetFramework, Directory.Packages.props
	// holds central package versions, NuGet.config the feeds.
	seenDir := map[string]bool{}
	for _, proj := range projects {
		for d := path.Dir(proj); ; d = path.Dir(d) {
			if d == "." {
				d = ""
			}
			if !seenDir[d] {
				seenDir[d] = true
				for _, f := range []string{"Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "NuGet.config", "nuget.config", "NuGet.Config", "global.json"} {
					if p.IsFile(rel(d, f)) {
						files = append(files, rel(d, f))
					}
				}
			}
			if d == dir || d == "" {
				break
			}
		}
		if lock := rel(path.Dir(proj), "packages.lock.json"); p.IsFile(lock) {
			files = append(files, lock)
		}
	}
	sort.Strings(files)
	files = dedupe(files)

	var restore []string
	switch {
	case len(slns) > 0:
		restore = []string{"dotnet restore " + shellQuote(strings.TrimPrefix(slns[0], dir+"/"))}
		if len(slns) > 1 {
			st.Left = append(st.Left, fmt.Sprintf("%d solutions: devenv restores %s; list the others in install to restore them too", len(slns), slns[0]))
		}
	default:
		for _, proj := range projects {
			restore = append(restore, "dotnet restore "+shellQuote(strings.TrimPrefix(proj, dir+"/")))
		}
	}
	install := strings.Join(restore, " && ") + " && chmod -R a+rwX \"$NUGET_PACKAGES\""
	st.Groups = []Group{{Files: files, Install: []string{inDir(dir, install)}}}
	st.Found = append(st.Found, "nuget: "+strings.Join(files, ", "))
	return st, nil
}

var slnProjectRe = regexp.MustCompile(`(?m)^Project\("\{[^}]*\}"\)\s*=\s*"[^"]*",\s*"([^"]+\.(?:cs|fs|vb)proj)"`)
var slnxProjectRe = regexp.MustCompile(`<Project\s+Path="([^"]+\.(?:cs|fs|vb)proj)"`)

// dotnetProjects are the project files of the solutions in dir (which name them, at any
// depth: no walk needed) and those in dir itself. A project a solution names that is
// not there is an error: restore would fail on it.
func dotnetProjects(p *Probe, dir string, slns []string, st *Stack) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, sln := range slns {
		text := p.Text(sln)
		re := slnProjectRe
		if strings.HasSuffix(sln, ".slnx") {
			re = slnxProjectRe
		}
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			name := strings.ReplaceAll(text[m[2]:m[3]], `\`, "/")
			f := path.Clean(path.Join(path.Dir(sln), name))
			if strings.HasPrefix(f, "../") || !p.IsFile(f) {
				return nil, &Error{File: sln, Line: strings.Count(text[:m[0]], "\n") + 1,
					Msg: fmt.Sprintf("the solution names %s, which is not in the project: add it, or remove it from the solution (dotnet sln remove)", name)}
			}
			add(f)
		}
	}
	for _, f := range dotnetLocalProjects(p, dir) {
		add(f)
	}
	sort.Strings(out)
	return out, nil
}

var targetFrameworkRe = regexp.MustCompile(`<TargetFrameworks?>([^<]+)</TargetFrameworks?>`)

// dotnetVersion: global.json's sdk.version (sdk), .tool-versions and mise.toml, then the
// newest TargetFramework(s) of the projects and Directory.Build.props: an SDK builds
// every framework up to its own.
func dotnetVersion(p *Probe, dir string, sdk Version, projects []string, st *Stack) (release, error) {
	if sdk.Value != "" {
		return st.pin(".NET SDK", sdk, dotnetReleases)
	}
	if v, ok := p.toolVersion(dir, "dotnet", "dotnet-core"); ok {
		return st.pin(".NET SDK", v, dotnetReleases)
	}
	var best release
	var bestSrc Source
	var bestTFM string
	sources := append(append([]string{}, projects...), rel(dir, "Directory.Build.props"))
	for _, f := range sources {
		text := p.Text(f)
		for _, m := range targetFrameworkRe.FindAllStringSubmatchIndex(text, -1) {
			for _, tfm := range strings.Split(text[m[2]:m[3]], ";") {
				tfm = strings.TrimSpace(tfm)
				var nums []int
				switch {
				case strings.HasPrefix(tfm, "netcoreapp"):
					nums = parseNumbers(strings.TrimPrefix(tfm, "netcoreapp"))
				case strings.HasPrefix(tfm, "net") && strings.Contains(tfm, "."):
					nums = parseNumbers(strings.TrimPrefix(tfm, "net"))
				default:
					// netstandard2.0, net48 (.NET Framework), $(Property): any SDK
					// builds the first; the others say nothing of the SDK.
					continue
				}
				if strings.Contains(tfm, "-windows") {
					st.Left = append(st.Left, fmt.Sprintf("%s targets Windows (%s): the Linux SDK restores it but cannot run it", f, tfm))
				}
				if len(nums) >= 2 && (best == nil || compareNums(nums[:2], best) > 0) {
					best, bestTFM = release(nums[:2]), tfm
					bestSrc = Source{File: f, Line: strings.Count(text[:m[0]], "\n") + 1}
				}
			}
		}
	}
	if best == nil {
		st.Version = Version{Value: dotnetDefault.String()}
		st.Left = append(st.Left, "no .NET version in the project: "+dotnetDefault.String()+" is devenv's default; pin the SDK in global.json")
		return dotnetDefault, nil
	}
	st.Version = Version{Value: best.String(), Source: bestSrc}
	st.Found = append(st.Found, fmt.Sprintf("target framework %s in %s", bestTFM, bestSrc))
	return pickRelease(".NET", st.Version, dotnetReleases)
}

// globalJSONSDK is sdk.version of global.json, in dir or else the root; a global.json
// that does not parse is an error, as the SDK would refuse it too.
func globalJSONSDK(p *Probe, dir string) (Version, error) {
	dirs := []string{dir}
	if dir != "" {
		dirs = append(dirs, "")
	}
	for _, d := range dirs {
		file := rel(d, "global.json")
		b, err := p.Read(file)
		if err != nil {
			continue
		}
		var gj struct {
			SDK struct {
				Version string `json:"version"`
			} `json:"sdk"`
		}
		if err := json.Unmarshal(b, &gj); err != nil {
			return Version{}, jsonError(file, b, err)
		}
		if gj.SDK.Version != "" {
			return Version{Value: gj.SDK.Version, Source: Source{File: file, Line: jsonKeyLine(string(b), "sdk", "version")}}, nil
		}
	}
	return Version{}, nil
}
