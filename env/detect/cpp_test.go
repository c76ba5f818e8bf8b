package detect

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestCppPresent(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  bool
	}{
		{"CMake", map[string]string{"CMakeLists.txt": "project(x)\n"}, true},
		{"Meson", map[string]string{"meson.build": "project('x', 'c')\n"}, true},
		{"autotools", map[string]string{"configure.ac": "AC_INIT([x], [1])\n"}, true},
		{"Makefile with C at the root", map[string]string{"Makefile": "all:\n", "main.c": "int main(){}\n"}, true},
		{"Makefile with C++ in src", map[string]string{"Makefile": "all:\n", "src/main.cpp": "int main(){}\n"}, true},
		{"Makefile alone is a task runner", map[string]string{"Makefile": "test:\n\tpytest\n", "app.py": ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cppPresent(NewProbe(writeTree(t, tt.files)), ""); got != tt.want {
				t.Errorf("cppPresent = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCppBuildTools(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		manager string
		pkgs    []string
	}{
		{"CMake", map[string]string{"CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\nproject(x CXX)\n"}, "cmake", []string{"build-essential", "cmake", "ninja-build"}},
		{"CMake with pkg-config", map[string]string{"CMakeLists.txt": "project(x)\nfind_package(PkgConfig REQUIRED)\n"}, "cmake", []string{"build-essential", "cmake", "ninja-build", "pkg-config"}},
		{"Meson", map[string]string{"meson.build": "project('x', 'c')\n"}, "meson", []string{"build-essential", "meson", "ninja-build", "pkg-config"}},
		{"autotools", map[string]string{"configure.ac": "AC_INIT([x], [1])\n", "Makefile.am": ""}, "autotools", []string{"build-essential", "autoconf", "automake", "libtool", "pkg-config"}},
		{"Make", map[string]string{"Makefile": "all:\n", "main.c": ""}, "make", []string{"build-essential"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := Resolve(writeTree(t, tt.files), "cpp")
			if err != nil {
				t.Fatal(err)
			}
			if st.Manager != tt.manager || st.Base != "debian:bookworm" || !slices.Equal(st.Packages, tt.pkgs) || !slices.Equal(st.Toolchain.Packages, tt.pkgs) {
				t.Errorf("manager %s base %s packages %v toolchain %v, want %s debian:bookworm %v", st.Manager, st.Base, st.Packages, st.Toolchain.Packages, tt.manager, tt.pkgs)
			}
		})
	}
}

func TestCMakeMinimumNoted(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{"CMakeLists.txt": "# x\ncmake_minimum_required(VERSION 3.28)\nset(CMAKE_CXX_STANDARD 20)\n"}), "cpp")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(st.Found, "CMake 3.28 or newer (CMakeLists.txt:2)") || !slices.Contains(st.Found, "C++20 (CMakeLists.txt:3)") {
		t.Errorf("Found = %q", st.Found)
	}
	if !slices.ContainsFunc(st.Left, func(s string) bool { return strings.Contains(s, "Debian bookworm has 3.25") }) {
		t.Errorf("Left = %q, want the old CMake said", st.Left)
	}
}

func TestVcpkgAndConanBecomeDebianPackages(t *testing.T) {
	st, err := Resolve(writeTree(t, map[string]string{
		"CMakeLists.txt": "project(x)\n",
		"vcpkg.json":     "{\n  \"name\": \"x\",\n  \"dependencies\": [\n    \"fmt\",\n    { \"name\": \"zlib\" },\n    \"some-lib\"\n  ]\n}\n",
	}), "cpp")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"libfmt-dev", "zlib1g-dev"} {
		if !slices.Contains(st.Packages, p) {
			t.Errorf("packages %v lack %s", st.Packages, p)
		}
	}
	if !slices.Contains(st.Chose, "libfmt-dev for fmt (vcpkg.json:4): Debian's package and version, not the manifest's") {
		t.Errorf("Chose = %q", st.Chose)
	}
	if !slices.ContainsFunc(st.Left, func(s string) bool { return strings.Contains(s, "some-lib") }) {
		t.Errorf("Left = %q, want the unknown dependency named", st.Left)
	}

	st, err = Resolve(writeTree(t, map[string]string{
		"CMakeLists.txt": "project(x)\n",
		"conanfile.txt":  "[requires]\nboost/1.83.0\nopenssl/3.2.0\n\n[generators]\nCMakeDeps\n",
	}), "cpp")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"libboost-all-dev", "libssl-dev"} {
		if !slices.Contains(st.Packages, p) {
			t.Errorf("packages %v lack %s", st.Packages, p)
		}
	}
	if slices.Contains(st.Packages, "CMakeDeps") {
		t.Errorf("packages %v hold a generator", st.Packages)
	}

	st, err = Resolve(writeTree(t, map[string]string{
		"CMakeLists.txt": "project(x)\n",
		"conanfile.py":   "from conan import ConanFile\nclass X(ConanFile):\n    def requirements(self):\n        self.requires(\"spdlog/1.12.0\")\n        self.requires(\"nlohmann_json/[>=3.11 <4]\")\n",
	}), "cpp")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"libspdlog-dev", "nlohmann-json3-dev"} {
		if !slices.Contains(st.Packages, p) {
			t.Errorf("packages %v lack %s", st.Packages, p)
		}
	}
}

func TestVcpkgBadJSONIsPlaced(t *testing.T) {
	_, err := Resolve(writeTree(t, map[string]string{"CMakeLists.txt": "project(x)\n", "vcpkg.json": "{\n  \"dependencies\": [\"fmt\",]\n}\n"}), "cpp")
	var de *Error
	if !errors.As(err, &de) || de.File != "vcpkg.json" || de.Line != 2 {
		t.Fatalf("err = %v, want vcpkg.json:2", err)
	}
}
