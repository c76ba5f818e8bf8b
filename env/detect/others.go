package detect

// The stacks below are found but not yet resolved beyond their base image.

func cppPresent(p *Probe, dir string) bool {
	for _, f := range []string{"CMakeLists.txt", "meson.build", "Makefile", "makefile", "GNUmakefile", "configure.ac"} {
		if p.IsFile(rel(dir, f)) {
			return true
		}
	}
	return false
}

func resolveCpp(p *Probe, dir string) (*Stack, error) {
	return &Stack{Name: "cpp", Dir: dir, Base: "debian:bookworm", Packages: []string{"build-essential"},
		Toolchain: Toolchain{Packages: []string{"build-essential"}}}, nil
}
