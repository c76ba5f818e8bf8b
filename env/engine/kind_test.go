package engine

import (
	"testing"

	"github.com/docker/docker/api/types"
)

// The tags Podman reports for the images devenv builds and loads are devenv's own
// names; Docker's are unchanged; a registry's names are left alone.
func TestFamiliarTag(t *testing.T) {
	for in, want := range map[string]string{
		"devenv/app:1a2b":                  "devenv/app:1a2b",
		"docker.io/devenv/app:1a2b":        "devenv/app:1a2b",
		"localhost/devenv/app:1a2b":        "devenv/app:1a2b",
		"localhost/busybox:devenv":         "busybox:devenv",
		"docker.io/library/busybox:devenv": "busybox:devenv",
		"localhost:5000/devenv/app:1a2b":   "localhost:5000/devenv/app:1a2b",
		"registry.example/team/app:v1":     "registry.example/team/app:v1",
		"not a tag":                        "not a tag",
	} {
		if got := FamiliarTag(in); got != want {
			t.Errorf("FamiliarTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestImageTagsDedupe(t *testing.T) {
	got := imageTags([]string{"docker.io/devenv/app:1", "localhost/devenv/app:1", "<none>:<none>", "devenv/app:2"})
	if len(got) != 2 || got[0] != "devenv/app:1" || got[1] != "devenv/app:2" {
		t.Fatalf("imageTags = %q", got)
	}
}

// Podman names itself among the version's components; BuildKit is never assumed of it.
func TestKindOf(t *testing.T) {
	podman := types.Version{Components: []types.ComponentVersion{{Name: "Podman Engine", Version: "4.3.1"}, {Name: "Conmon"}}}
	docker := types.Version{Components: []types.ComponentVersion{{Name: "Engine", Version: "20.10.24"}, {Name: "containerd"}}}
	if k := kindOf(podman); k != KindPodman {
		t.Errorf("Podman's version read as %s", k)
	}
	if k := kindOf(docker); k != KindDocker {
		t.Errorf("Docker's version read as %s", k)
	}
	if servesBuildKit(KindPodman, "linux") {
		t.Error("Podman taken for a BuildKit engine")
	}
	if servesBuildKit(KindDocker, "windows") {
		t.Error("Windows containers taken for a BuildKit engine")
	}
	t.Setenv("DEVENV_BUILDKIT", "")
	if !servesBuildKit(KindDocker, "linux") {
		t.Error("Docker on Linux taken for an engine without BuildKit")
	}
}

// A classic builder's failed step comes back as the step and its exit status.
func TestCleanBuildErrorClassic(t *testing.T) {
	for in, want := range map[string]string{
		"building at STEP \"RUN /bin/sh -c echo hi; exit 3\": while running runtime: exit status 3\n": "the build step RUN /bin/sh -c echo hi; exit 3 failed with exit code 3",
		"The command '/bin/sh -c exit 4' returned a non-zero code: 4":                                 "the build step RUN /bin/sh -c exit 4 failed with exit code 4",
		"process \"/bin/sh -c exit 5\" did not complete successfully: exit code: 5":                   "a build step failed with exit code 5",
		"something else\n": "something else",
	} {
		if got := cleanBuildError(in); got != want {
			t.Errorf("cleanBuildError(%q) = %q, want %q", in, got, want)
		}
	}
}
