package detect

// The stacks below are found but not yet resolved beyond their base image.

func dotnetPresent(p *Probe, dir string) bool {
	return p.IsFile(rel(dir, "global.json")) || len(p.Glob(dir, "*.csproj")) > 0 || len(p.Glob(dir, "*.sln")) > 0 || len(p.Glob(dir, "*.fsproj")) > 0
}

func resolveDotnet(p *Probe, dir string) (*Stack, error) {
	return &Stack{Name: "dotnet", Dir: dir, Base: "mcr.microsoft.com/dotnet/sdk:8.0", Version: Version{Value: "8.0"},
		Toolchain: Toolchain{Copy: []string{"/usr/share/dotnet"}, Setup: []string{"ln -sf /usr/share/dotnet/dotnet /usr/local/bin/dotnet"}}}, nil
}

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
