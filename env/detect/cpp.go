package detect

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// cppBase is the image C and C++ projects start from: Debian's compilers and build
// tools are its packages, so one base serves CMake, Meson, Make and autotools alike.
const cppBase = "debian:bookworm"

// What Debian bookworm ships, for saying when a project asks for more.
var (
	bookwormCMake = []int{3, 25}
	bookwormMeson = []int{1, 0}
)

// cppSources are the file names that make a Makefile a C or C++ build: a Makefile on its
// own is as often a task runner of a Python or Go project.
var cppSources = []string{"*.c", "*.cc", "*.cpp", "*.cxx", "*.c++", "*.h", "*.hh", "*.hpp", "*.hxx"}

func cppPresent(p *Probe, dir string) bool {
	for _, f := range []string{"CMakeLists.txt", "meson.build", "configure.ac"} {
		if p.IsFile(rel(dir, f)) {
			return true
		}
	}
	return makefile(p, dir) != "" && hasCSources(p, dir)
}

func makefile(p *Probe, dir string) string {
	return firstFile(p, dir, "GNUmakefile", "makefile", "Makefile")
}

// hasCSources: C or C++ files at dir or in dir/src, one folder each, never a walk.
func hasCSources(p *Probe, dir string) bool {
	for _, d := range []string{dir, rel(dir, "src")} {
		for _, pat := range cppSources {
			if len(p.Glob(d, pat)) > 0 {
				return true
			}
		}
	}
	return false
}

func resolveCpp(p *Probe, dir string) (*Stack, error) {
	// The compiler is Debian's: gcc 12 on bookworm, whatever the project says.
	st := &Stack{Name: "cpp", Dir: dir, Base: cppBase, Version: Version{Value: "gcc 12"}}
	pkgs := []string{"build-essential"}
	add := func(names ...string) {
		for _, n := range names {
			if !slices.Contains(pkgs, n) {
				pkgs = append(pkgs, n)
			}
		}
	}
	switch {
	case p.IsFile(rel(dir, "CMakeLists.txt")):
		st.Manager = "cmake"
		add("cmake", "ninja-build")
		file := rel(dir, "CMakeLists.txt")
		text := p.Text(file)
		if m := cmakeMinRe.FindStringSubmatch(text); m != nil {
			st.Found = append(st.Found, fmt.Sprintf("CMake %s or newer (%s:%d)", m[1], file, LineOf(text, m[0])))
			if newerThan(parseNumbers(m[1]), bookwormCMake) {
				st.Left = append(st.Left, fmt.Sprintf("%s asks for CMake %s; Debian bookworm has %s: set setup = [...] to install a newer CMake", file, m[1], release(bookwormCMake)))
			}
		} else {
			st.Found = append(st.Found, "CMake project: "+file)
		}
		if m := cxxStandardRe.FindStringSubmatch(text); m != nil {
			st.Found = append(st.Found, fmt.Sprintf("C++%s (%s:%d)", m[1], file, LineOf(text, m[0])))
		}
		if pkgConfigRe.MatchString(text) {
			add("pkg-config")
		}
	case p.IsFile(rel(dir, "meson.build")):
		st.Manager = "meson"
		add("meson", "ninja-build", "pkg-config")
		file := rel(dir, "meson.build")
		text := p.Text(file)
		st.Found = append(st.Found, "Meson project: "+file)
		if m := mesonVersionRe.FindStringSubmatch(text); m != nil {
			if newerThan(parseNumbers(m[1]), bookwormMeson) {
				st.Left = append(st.Left, fmt.Sprintf("%s asks for Meson %s; Debian bookworm has 1.0: set setup = [\"pip install meson\"] or pick a newer base", file, m[1]))
			}
		}
	case p.IsFile(rel(dir, "configure.ac")):
		st.Manager = "autotools"
		add("autoconf", "automake", "libtool", "pkg-config")
		st.Found = append(st.Found, "autotools project: "+rel(dir, "configure.ac"))
	default:
		if mk := makefile(p, dir); mk != "" {
			st.Manager = "make"
			st.Found = append(st.Found, "Make project: "+mk)
		}
	}

	deps, err := cppManifestDeps(p, dir, st)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, d := range deps {
		debs, ok := debianDevPackages[strings.ToLower(d.name)]
		if !ok {
			unknown = append(unknown, d.name)
			continue
		}
		add(debs...)
		st.Chose = append(st.Chose, fmt.Sprintf("%s for %s (%s): Debian's package and version, not the manifest's", strings.Join(debs, " "), d.name, d.from))
	}
	if len(unknown) > 0 {
		st.Left = append(st.Left, "no Debian package devenv knows for "+strings.Join(unknown, ", ")+": add the -dev packages to packages = [...]")
	}
	st.Packages = pkgs
	st.Toolchain = Toolchain{Packages: pkgs}
	st.Chose = append(st.Chose, "base "+cppBase+" with "+strings.Join(pkgs, " "))
	return st, nil
}

var (
	cmakeMinRe     = regexp.MustCompile(`(?i)cmake_minimum_required\s*\(\s*VERSION\s+([0-9.]+)`)
	cxxStandardRe  = regexp.MustCompile(`CMAKE_CXX_STANDARD\s+(\d+)`)
	pkgConfigRe    = regexp.MustCompile(`(?i)find_package\s*\(\s*PkgConfig|pkg_check_modules`)
	mesonVersionRe = regexp.MustCompile(`meson_version\s*:\s*'>=\s*([0-9.]+)'`)
)

func newerThan(v, have []int) bool {
	for i := 0; i < len(v) && i < len(have); i++ {
		if v[i] != have[i] {
			return v[i] > have[i]
		}
	}
	return false
}

// debianDevPackages are Debian's packages for libraries that vcpkg and Conan manifests
// name, where the match is plain. vcpkg and Conan download sources and binaries from
// the internet; Debian's mirror is what every machine here and most CI can reach.
var debianDevPackages = map[string][]string{
	"fmt": {"libfmt-dev"}, "zlib": {"zlib1g-dev"}, "openssl": {"libssl-dev"}, "boost": {"libboost-all-dev"},
	"gtest": {"libgtest-dev", "libgmock-dev"}, "googletest": {"libgtest-dev", "libgmock-dev"}, "catch2": {"catch2"},
	"nlohmann-json": {"nlohmann-json3-dev"}, "nlohmann_json": {"nlohmann-json3-dev"}, "spdlog": {"libspdlog-dev"},
	"eigen3": {"libeigen3-dev"}, "eigen": {"libeigen3-dev"}, "curl": {"libcurl4-openssl-dev"}, "libcurl": {"libcurl4-openssl-dev"},
	"sqlite3": {"libsqlite3-dev"}, "protobuf": {"libprotobuf-dev", "protobuf-compiler"}, "gflags": {"libgflags-dev"},
	"glog": {"libgoogle-glog-dev"}, "benchmark": {"libbenchmark-dev"}, "yaml-cpp": {"libyaml-cpp-dev"}, "cli11": {"libcli11-dev"},
	"libpng": {"libpng-dev"}, "doctest": {"doctest-dev"}, "abseil": {"libabsl-dev"}, "tbb": {"libtbb-dev"}, "onetbb": {"libtbb-dev"},
	"zstd": {"libzstd-dev"}, "lz4": {"liblz4-dev"}, "bzip2": {"libbz2-dev"}, "libuv": {"libuv1-dev"}, "expat": {"libexpat1-dev"},
	"pcre2": {"libpcre2-dev"}, "sdl2": {"libsdl2-dev"}, "glfw3": {"libglfw3-dev"}, "opencv": {"libopencv-dev"}, "opencv4": {"libopencv-dev"},
}

type cppDep struct{ name, from string }

// cppManifestDeps are the libraries vcpkg.json or conanfile.txt/.py lists, each with
// the place that names it.
func cppManifestDeps(p *Probe, dir string, st *Stack) ([]cppDep, error) {
	var deps []cppDep
	if file := rel(dir, "vcpkg.json"); p.IsFile(file) {
		b, _ := p.Read(file)
		var m struct {
			Dependencies []json.RawMessage `json:"dependencies"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, jsonError(file, b, err)
		}
		for _, raw := range m.Dependencies {
			var name string
			if json.Unmarshal(raw, &name) != nil {
				var obj struct {
					Name string `json:"name"`
				}
				_ = json.Unmarshal(raw, &obj)
				name = obj.Name
			}
			if name != "" {
				deps = append(deps, cppDep{name, fmt.Sprintf("%s:%d", file, LineOf(string(b), `"`+name+`"`))})
			}
		}
		st.Found = append(st.Found, fmt.Sprintf("vcpkg manifest %s: %s", file, depNames(deps)))
		st.Left = append(st.Left, "vcpkg is not run: it downloads from the internet; devenv installs Debian's packages for the manifest's dependencies it knows instead")
	}
	for _, f := range []string{"conanfile.txt", "conanfile.py"} {
		file := rel(dir, f)
		if !p.IsFile(file) {
			continue
		}
		text := p.Text(file)
		var found []cppDep
		if f == "conanfile.txt" {
			section := ""
			for i, line := range strings.Split(text, "\n") {
				line = strings.TrimSpace(strings.SplitN(line, "#", 2)[0])
				if strings.HasPrefix(line, "[") {
					section = line
				} else if (section == "[requires]" || section == "[test_requires]" || section == "[build_requires]") && line != "" {
					found = append(found, cppDep{strings.SplitN(line, "/", 2)[0], fmt.Sprintf("%s:%d", file, i+1)})
				}
			}
		} else {
			for _, m := range conanRefRe.FindAllStringSubmatch(text, -1) {
				found = append(found, cppDep{m[1], fmt.Sprintf("%s:%d", file, LineOf(text, m[0]))})
			}
		}
		deps = append(deps, found...)
		st.Found = append(st.Found, fmt.Sprintf("Conan %s: %s", file, depNames(found)))
		st.Left = append(st.Left, "Conan is not run: it downloads from the internet; devenv installs Debian's packages for "+file+"'s requirements it knows instead")
		break
	}
	return deps, nil
}

// conanRefRe is a Conan reference in a conanfile.py: "fmt/10.2.1" or "zlib/[>=1.2 <2]".
var conanRefRe = regexp.MustCompile(`["']([a-z0-9_.+-]+)/[\[0-9][^"'@]*(?:@[^"']*)?["']`)

func depNames(deps []cppDep) string {
	if len(deps) == 0 {
		return "no dependencies"
	}
	names := make([]string, len(deps))
	for i, d := range deps {
		names[i] = d.name
	}
	return strings.Join(names, ", ")
}
