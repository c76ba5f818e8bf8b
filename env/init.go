package env

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// InitConfig writes a commented devenv.toml for the project in dir, for the stack its
// files show. It refuses to replace an existing file unless force is set.
func InitConfig(dir string, force bool) (path, template string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", "", err
	}
	template = DetectTemplate(abs)
	text := InitText(abs, template)
	path = filepath.Join(abs, ConfigFile)
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return "", "", fmt.Errorf("%s already exists: edit it, or run `devenv init --force` to replace it", path)
	}
	if err != nil {
		return "", "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return "", "", fmt.Errorf("cannot write %s: %w", path, err)
	}
	return path, template, f.Close()
}

// InitText is the devenv.toml that init writes: the detected template set, and every
// other key shown with the template's default, commented out.
func InitText(root, template string) string {
	st := stacks[template]
	var b strings.Builder
	fmt.Fprintf(&b, "# The development environment of this project: run `devenv shell` here.\n")
	fmt.Fprintf(&b, "# Every key is explained in devenv.toml.example. Lines starting with # show the\n")
	fmt.Fprintf(&b, "# defaults of the %q template: remove the # to change one.\n\n", template)
	fmt.Fprintf(&b, "name = %q\n", nameFromDir(root))
	fmt.Fprintf(&b, "template = %q  # %s\n\n", template, strings.Join(Templates, " | "))
	fmt.Fprintf(&b, "# base = %q  # the image to start from\n", st.base)
	fmt.Fprintf(&b, "# packages = [\"git\"]  # OS packages, installed with apt-get, apk or dnf\n")
	groups := st.groups(root)
	var files, install []string
	for _, g := range groups {
		files = append(files, g.Files...)
		install = append(install, g.Install...)
	}
	fmt.Fprintf(&b, "# dependencies = %s  # copied into the build: a change rebuilds\n", tomlList(files))
	fmt.Fprintf(&b, "# install = %s  # run after the dependencies are copied\n", tomlList(install))
	fmt.Fprintf(&b, "# setup = []  # build commands run before the dependencies are copied\n")
	fmt.Fprintf(&b, "# caches = %s  # package caches kept across builds\n", tomlList(st.caches))
	fmt.Fprintf(&b, "# workdir = \"/workspace\"  # where the project appears in the container\n")
	fmt.Fprintf(&b, "# shell = \"bash\"\n")
	fmt.Fprintf(&b, "# user = \"host\"  # run as your own UID and GID, so files you create are yours\n")
	fmt.Fprintf(&b, "# ports = [\"8000:8000\"]\n")
	fmt.Fprintf(&b, "# pass_env = [\"GITHUB_TOKEN\"]  # host variables passed in at run time\n")
	fmt.Fprintf(&b, "# trust_host_ca = true  # use this machine's CA certificates (corporate proxies)\n\n")
	fmt.Fprintf(&b, "# [env]\n# DEBUG = \"1\"\n")
	return b.String()
}

func tomlList(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}
