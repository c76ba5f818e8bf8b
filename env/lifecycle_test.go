package env

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

// The fake is a whole engine, as engine.Docker is.
var _ Engine = (*enginetest.Engine)(nil)

// unfiltered is an engine whose listings ignore the label filter: devenv must not
// trust the engine alone to tell its own containers and images from others'. The
// filters asked for are recorded.
func unfiltered() *enginetest.Engine {
	eng := enginetest.New()
	eng.IgnoreLabels = true
	return eng
}

// A container someone started from a devenv image carries the image's labels but not
// the container label: devenv never lists or acts on it.
func TestListContainersIgnoresContainersFromDevenvImages(t *testing.T) {
	foreign := ctr("foreign", "/p", "running", time.Minute)
	delete(foreign.Labels, LabelContainer)
	eng := unfiltered()
	eng.SetContainers(foreign, ctr("mine", "/p", "running", 0))
	got, err := ListContainers(t.Context(), eng, "/p")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "mine" {
		t.Errorf("containers = %+v, want only devenv's own", got)
	}
}

func ctr(id, project, state string, age time.Duration) engine.Container {
	labels := map[string]string{}
	if project != "" {
		labels[LabelProject] = project
		labels[LabelContainer] = "run"
	}
	status := "Up 2 minutes"
	if state != "running" {
		status = "Exited (0) 1 minute ago"
	}
	return engine.Container{ID: id, Name: "devenv-" + id, Image: "devenv/p:1", ImageID: "sha256:" + id, State: state, Status: status,
		Created: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Add(-age), Labels: labels}
}

func TestListContainersSelectsByLabelOnly(t *testing.T) {
	eng := unfiltered()
	eng.SetContainers(
		ctr("old", "/p", "exited", time.Hour),
		ctr("new", "/p", "running", time.Minute),
		ctr("other", "/q", "running", time.Minute),
		// Named like devenv's, but without its labels: not ours.
		engine.Container{ID: "lookalike", Name: "devenv-p-123456", State: "running", Labels: map[string]string{"x": "y"}},
	)
	got, err := ListContainers(t.Context(), eng, "/p")
	if err != nil {
		t.Fatal(err)
	}
	if names := containerIDs(got); !slices.Equal(names, []string{"new", "old"}) {
		t.Errorf("containers = %v, want this project's, newest first", names)
	}
	if want := map[string]string{LabelProject: "/p"}; !maps.Equal(eng.Filters("Containers")[0], want) {
		t.Errorf("asked the engine for %v, want %v", eng.Filters("Containers")[0], want)
	}

	all, err := ListContainers(t.Context(), eng, "")
	if err != nil {
		t.Fatal(err)
	}
	if names := containerIDs(all); len(names) != 3 || slices.Contains(names, "lookalike") {
		t.Errorf("--all containers = %v, want every project's and no lookalike", names)
	}
	if want := map[string]string{LabelProject: ""}; !maps.Equal(eng.Filters("Containers")[1], want) {
		t.Errorf("--all asked the engine for %v, want the label's presence %v", eng.Filters("Containers")[1], want)
	}
}

func containerIDs(cs []EnvContainer) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func TestStopKillRestartRemove(t *testing.T) {
	containers := []engine.Container{
		ctr("run1", "/p", "running", time.Minute),
		ctr("done1", "/p", "exited", time.Hour),
		ctr("other", "/q", "running", time.Minute),
	}
	newEng := func() *enginetest.Engine {
		eng := unfiltered()
		eng.SetContainers(containers...)
		return eng
	}
	ctx := t.Context()

	eng := newEng()
	done, err := Stop(ctx, eng, "/p", time.Second)
	if err != nil || !slices.Equal(containerIDs(done), []string{"run1"}) || !slices.Equal(eng.Did("StopContainer"), []string{"StopContainer run1 1s"}) {
		t.Errorf("Stop = %v, %v; stopped %v; want only the running container of /p", containerIDs(done), err, eng.Did("StopContainer"))
	}

	eng = newEng()
	if _, err := Kill(ctx, eng, "/p", "SIGHUP"); err != nil || !slices.Equal(eng.Did("KillContainer"), []string{"KillContainer run1 SIGHUP"}) {
		t.Errorf("Kill: %v, killed %v", err, eng.Did("KillContainer"))
	}

	eng = newEng()
	if _, err := Restart(ctx, eng, "/p", time.Second); err != nil || !slices.Equal(eng.Did("RestartContainer"), []string{"RestartContainer run1 1s", "RestartContainer done1 1s"}) {
		t.Errorf("Restart: %v, restarted %v, want both of /p's containers", err, eng.Did("RestartContainer"))
	}

	// rm without force refuses while one runs, and removes nothing.
	eng = newEng()
	_, err = Remove(ctx, eng, "/p", false)
	var running *RunningError
	if !errors.As(err, &running) || len(eng.Calls("RemoveContainer")) != 0 {
		t.Fatalf("Remove without force: %v, removed %v; want *RunningError and nothing removed", err, eng.Calls("RemoveContainer"))
	}
	if msg := err.Error(); !strings.Contains(msg, "devenv-run1 is running") || !strings.Contains(msg, "devenv rm -f") {
		t.Errorf("error = %q, want it to name the container and say what to do", msg)
	}
	eng = newEng()
	if _, err := Remove(ctx, eng, "/p", true); err != nil || !slices.Equal(eng.Did("RemoveContainer"), []string{"RemoveContainer run1 force", "RemoveContainer done1 force"}) {
		t.Errorf("Remove -f: %v, removed %v", err, eng.Did("RemoveContainer"))
	}

	// Nothing to do is no error.
	eng = newEng()
	done, err = Stop(ctx, eng, "/none", time.Second)
	if err != nil || len(done) != 0 || len(eng.Calls("StopContainer")) != 0 {
		t.Errorf("Stop of a project without containers: %v, %v", done, err)
	}

	// One failure does not stop the others, and is named.
	eng = newEng()
	eng.SetContainers(append(containers, ctr("run2", "/p", "running", 2*time.Minute))...)
	eng.FailFor("StopContainer", "run1", errors.New("boom"))
	done, err = Stop(ctx, eng, "/p", time.Second)
	if err == nil || !strings.Contains(err.Error(), "devenv-run1: boom") || !slices.Equal(containerIDs(done), []string{"run2"}) {
		t.Errorf("Stop with a failure = %v, %v", containerIDs(done), err)
	}

	// Never every project's by accident.
	if _, err := Stop(ctx, newEng(), "", time.Second); err == nil {
		t.Error("Stop with no project acted")
	}
}

func img(id, project, name, fp string, age time.Duration, tags ...string) engine.ImageSummary {
	labels := map[string]string{}
	if project != "" {
		labels[LabelProject] = project
		labels[LabelName] = name
		labels[LabelFingerprint] = fp
	}
	return engine.ImageSummary{Image: engine.Image{ID: id, Tags: tags, Labels: labels, Created: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC).Add(-age)}, Size: 1000}
}

func imageFixture() *enginetest.Engine {
	eng := unfiltered()
	eng.SetImages(
		img("sha256:cur", "/p", "p", "c0", time.Minute, "devenv/p:c0"),
		img("sha256:old", "/p", "p", "o1", time.Hour, "devenv/p:o1"),
		img("sha256:dangling", "/p", "p", "d2", 2*time.Hour),
		img("sha256:used", "/p", "p", "u3", 3*time.Hour, "devenv/p:u3"),
		img("sha256:retagged", "/p", "p", "r4", 4*time.Hour, "devenv/p:r4", "team/p:stable"),
		// FROM a devenv image: inherited labels, someone else's tag.
		img("sha256:derived", "/p", "p", "c0", 5*time.Hour, "devenv/p:mine"),
		img("sha256:q", "/q", "q", "q0", time.Hour, "devenv/q:q0"),
		// Named like devenv's, without its labels.
		img("sha256:plain", "", "", "", time.Hour, "devenv/p:plain"),
		// A project's image that is not its environment (a service's): no fingerprint.
		img("sha256:service", "/p", "p", "", time.Hour, "devenv/p-db:1"),
	)
	eng.SetContainers(engine.Container{ID: "c1", Name: "devenv-p-abc", ImageID: "sha256:used", State: "exited"})
	return eng
}

func TestListImages(t *testing.T) {
	eng := imageFixture()
	list, err := ListImages(t.Context(), eng, ImageQuery{Root: "/p", CurrentRoot: "/p", CurrentFingerprint: "c0"})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]EnvImage{}
	for _, im := range list {
		byID[im.ID] = im
	}
	if len(list) != 6 {
		t.Errorf("images = %d, want /p's 6", len(list))
	}
	if _, ok := byID["sha256:plain"]; ok {
		t.Error("an image without devenv's labels is listed")
	}
	if _, ok := byID["sha256:service"]; ok {
		t.Error("an image without a fingerprint (not an environment's) is listed")
	}
	if !byID["sha256:cur"].Current || byID["sha256:old"].Current || byID["sha256:derived"].Current {
		t.Error("current image not marked, or another one is")
	}
	if byID["sha256:dangling"].Tag != "<none>" || byID["sha256:derived"].Tag != "<none>" || !slices.Equal(byID["sha256:derived"].OtherTags, []string{"devenv/p:mine"}) {
		t.Errorf("tags: dangling %+v, derived %+v", byID["sha256:dangling"], byID["sha256:derived"])
	}
	if !slices.Equal(byID["sha256:used"].UsedBy, []string{"devenv-p-abc"}) {
		t.Errorf("used by = %v", byID["sha256:used"].UsedBy)
	}
	if list[0].ID != "sha256:cur" {
		t.Errorf("first image %s, want the newest", list[0].ID)
	}
}

func TestClean(t *testing.T) {
	q := ImageQuery{Root: "/p", CurrentRoot: "/p", CurrentFingerprint: "c0"}

	eng := imageFixture()
	rep, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"RemoveImageUnlessUsed devenv/p:o1", "RemoveImageUnlessUsed sha256:dangling"}; !slices.Equal(eng.Did("RemoveImageUnlessUsed"), want) {
		t.Errorf("removed %v, want %v (old, and the dangling one by ID)", eng.Did("RemoveImageUnlessUsed"), want)
	}
	if rep.Freed != 2000 || len(rep.Removed) != 2 {
		t.Errorf("report: %+v", rep)
	}
	reasons := map[string]string{}
	for _, s := range rep.Skipped {
		reasons[s.ID] = s.Reason
	}
	if !strings.Contains(reasons["sha256:used"], "in use by container devenv-p-abc") ||
		!strings.Contains(reasons["sha256:retagged"], "also tagged team/p:stable") ||
		!strings.Contains(reasons["sha256:derived"], "also tagged devenv/p:mine") || len(reasons) != 3 {
		t.Errorf("skipped = %v", reasons)
	}

	// A dry run reports the same and removes nothing.
	eng = imageFixture()
	dry, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q, DryRun: true})
	if err != nil || len(eng.Calls("RemoveImageUnlessUsed")) != 0 || len(dry.Removed) != 2 || !dry.DryRun {
		t.Errorf("dry run: %v, removed %v, report %+v", err, eng.Calls("RemoveImageUnlessUsed"), dry)
	}

	// --all: every project's, the current one too; never an unlabelled one.
	eng = imageFixture()
	if _, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q, All: true}); err != nil {
		t.Fatal(err)
	}
	want := []string{"RemoveImageUnlessUsed devenv/p:c0", "RemoveImageUnlessUsed devenv/p:o1", "RemoveImageUnlessUsed devenv/q:q0", "RemoveImageUnlessUsed sha256:dangling"}
	if !slices.Equal(sorted(eng.Did("RemoveImageUnlessUsed")), want) {
		t.Errorf("--all removed %v, want %v", eng.Did("RemoveImageUnlessUsed"), want)
	}
	if want := map[string]string{LabelProject: ""}; !maps.Equal(eng.Filters("ImageSummaries")[0], want) {
		t.Errorf("--all asked for %v", eng.Filters("ImageSummaries")[0])
	}

	// The engine finds a container using it after all: kept, not an error.
	eng = imageFixture()
	eng.FailFor("RemoveImageUnlessUsed", "devenv/p:o1", &engine.ImageInUseError{Ref: "devenv/p:o1", Msg: "conflict: unable to remove repository reference (must force) - container abc is using its referenced image"})
	rep, err = Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err != nil || slices.Contains(eng.Did("RemoveImageUnlessUsed"), "RemoveImageUnlessUsed devenv/p:o1") || len(rep.Skipped) != 4 {
		t.Errorf("in use at removal: %v, removed %v, skipped %+v", err, eng.Did("RemoveImageUnlessUsed"), rep.Skipped)
	}

	// Other failures are reported, and the rest still cleaned.
	eng = imageFixture()
	eng.FailFor("RemoveImageUnlessUsed", "devenv/p:o1", errors.New("boom"))
	_, err = Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err == nil || !strings.Contains(err.Error(), "cannot remove devenv/p:o1: boom") || !slices.Equal(eng.Did("RemoveImageUnlessUsed"), []string{"RemoveImageUnlessUsed sha256:dangling"}) {
		t.Errorf("failure: %v, removed %v", err, eng.Did("RemoveImageUnlessUsed"))
	}

	if _, err := Clean(t.Context(), imageFixture(), CleanOptions{}); err == nil {
		t.Error("Clean with no project and no --all removed something")
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestProjectRootReadsNoConfig(t *testing.T) {
	cfg := newProject(t, "this is = not [valid toml", nil)
	root, err := ProjectRoot(t.TempDir())
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Errorf("ProjectRoot outside a project = %q, %v", root, err)
	}
	sub := cfg[:len(cfg)-len(ConfigFile)] + "sub"
	writeFiles(t, sub, map[string]string{"x": ""})
	if root, err := ProjectRoot(sub); err != nil || root+"/"+ConfigFile != cfg {
		t.Errorf("ProjectRoot = %q, %v, want the directory of %s", root, err, cfg)
	}
}
