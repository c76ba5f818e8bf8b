package env

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// fakeDocker is an engine for ps, stop, images, clean and doctor. Its listings ignore
// the label filter on purpose: devenv must not trust the engine alone to tell its own
// containers and images from others'. The filters asked for are recorded.
type fakeDocker struct {
	*fakeEngine
	containers []engine.Container
	images     []engine.ImageSummary
	inUse      map[string]bool  // image refs the engine refuses to remove
	fail       map[string]error // container ID or image ref -> error

	containerFilters []map[string]string
	imageFilters     []map[string]string
	stopped          []string
	restarted        []string
	killed           []string // "ID SIGNAL"
	removed          []string // "ID" or "ID force"
	removedImages    []string

	details    engine.Details
	detailsErr error
	onRun      func(engine.RunRequest) (int, error)
}

func newFakeDocker() *fakeDocker { return &fakeDocker{fakeEngine: &fakeEngine{}} }

func (f *fakeDocker) Containers(_ context.Context, labels map[string]string) ([]engine.Container, error) {
	f.containerFilters = append(f.containerFilters, maps.Clone(labels))
	return slices.Clone(f.containers), nil
}

func (f *fakeDocker) StopContainer(_ context.Context, id string, _ time.Duration) error {
	if err := f.fail[id]; err != nil {
		return err
	}
	f.stopped = append(f.stopped, id)
	return nil
}

func (f *fakeDocker) RestartContainer(_ context.Context, id string, _ time.Duration) error {
	f.restarted = append(f.restarted, id)
	return nil
}

func (f *fakeDocker) KillContainer(_ context.Context, id, signal string) error {
	f.killed = append(f.killed, id+" "+signal)
	return nil
}

func (f *fakeDocker) RemoveContainer(_ context.Context, id string, force bool) error {
	if force {
		id += " force"
	}
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeDocker) ImageSummaries(_ context.Context, labels map[string]string) ([]engine.ImageSummary, error) {
	f.imageFilters = append(f.imageFilters, maps.Clone(labels))
	return slices.Clone(f.images), nil
}

// Images is ImageLister, for ProjectStatus: this one filters, as the engine does.
func (f *fakeDocker) Images(_ context.Context, labels map[string]string) ([]engine.Image, error) {
	var out []engine.Image
	for _, im := range f.images {
		ok := true
		for k, v := range labels {
			if im.Labels[k] != v {
				ok = false
			}
		}
		if ok {
			out = append(out, im.Image)
		}
	}
	return out, nil
}

func (f *fakeDocker) RemoveImageUnlessUsed(_ context.Context, ref string) error {
	if f.inUse[ref] {
		return &engine.ImageInUseError{Ref: ref, Msg: "conflict: unable to remove repository reference (must force) - container abc is using its referenced image"}
	}
	if err := f.fail[ref]; err != nil {
		return err
	}
	f.removedImages = append(f.removedImages, ref)
	return nil
}

func (f *fakeDocker) Details(context.Context) (engine.Details, error) { return f.details, f.detailsErr }

func (f *fakeDocker) Run(ctx context.Context, req engine.RunRequest) (int, error) {
	f.fakeEngine.Run(ctx, req)
	if f.onRun != nil {
		return f.onRun(req)
	}
	return 0, nil
}

// A container someone started from a devenv image carries the image's labels but not
// the container label: devenv never lists or acts on it.
func TestListContainersIgnoresContainersFromDevenvImages(t *testing.T) {
	foreign := ctr("foreign", "/p", "running", time.Minute)
	delete(foreign.Labels, LabelContainer)
	eng := &fakeDocker{fakeEngine: &fakeEngine{}, containers: []engine.Container{foreign, ctr("mine", "/p", "running", 0)}}
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
	eng := newFakeDocker()
	eng.containers = []engine.Container{
		ctr("old", "/p", "exited", time.Hour),
		ctr("new", "/p", "running", time.Minute),
		ctr("other", "/q", "running", time.Minute),
		// Named like devenv's, but without its labels: not ours.
		{ID: "lookalike", Name: "devenv-p-123456", State: "running", Labels: map[string]string{"x": "y"}},
	}
	got, err := ListContainers(t.Context(), eng, "/p")
	if err != nil {
		t.Fatal(err)
	}
	if names := containerIDs(got); !slices.Equal(names, []string{"new", "old"}) {
		t.Errorf("containers = %v, want this project's, newest first", names)
	}
	if want := map[string]string{LabelProject: "/p"}; !maps.Equal(eng.containerFilters[0], want) {
		t.Errorf("asked the engine for %v, want %v", eng.containerFilters[0], want)
	}

	all, err := ListContainers(t.Context(), eng, "")
	if err != nil {
		t.Fatal(err)
	}
	if names := containerIDs(all); len(names) != 3 || slices.Contains(names, "lookalike") {
		t.Errorf("--all containers = %v, want every project's and no lookalike", names)
	}
	if want := map[string]string{LabelProject: ""}; !maps.Equal(eng.containerFilters[1], want) {
		t.Errorf("--all asked the engine for %v, want the label's presence %v", eng.containerFilters[1], want)
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
	newEng := func() *fakeDocker {
		eng := newFakeDocker()
		eng.containers = []engine.Container{
			ctr("run1", "/p", "running", time.Minute),
			ctr("done1", "/p", "exited", time.Hour),
			ctr("other", "/q", "running", time.Minute),
		}
		return eng
	}
	ctx := t.Context()

	eng := newEng()
	done, err := Stop(ctx, eng, "/p", time.Second)
	if err != nil || !slices.Equal(containerIDs(done), []string{"run1"}) || !slices.Equal(eng.stopped, []string{"run1"}) {
		t.Errorf("Stop = %v, %v; stopped %v; want only the running container of /p", containerIDs(done), err, eng.stopped)
	}

	eng = newEng()
	if _, err := Kill(ctx, eng, "/p", "SIGHUP"); err != nil || !slices.Equal(eng.killed, []string{"run1 SIGHUP"}) {
		t.Errorf("Kill: %v, killed %v", err, eng.killed)
	}

	eng = newEng()
	if _, err := Restart(ctx, eng, "/p", time.Second); err != nil || !slices.Equal(eng.restarted, []string{"run1", "done1"}) {
		t.Errorf("Restart: %v, restarted %v, want both of /p's containers", err, eng.restarted)
	}

	// rm without force refuses while one runs, and removes nothing.
	eng = newEng()
	_, err = Remove(ctx, eng, "/p", false)
	var running *RunningError
	if !errors.As(err, &running) || len(eng.removed) != 0 {
		t.Fatalf("Remove without force: %v, removed %v; want *RunningError and nothing removed", err, eng.removed)
	}
	if msg := err.Error(); !strings.Contains(msg, "devenv-run1 is running") || !strings.Contains(msg, "devenv rm -f") {
		t.Errorf("error = %q, want it to name the container and say what to do", msg)
	}
	eng = newEng()
	if _, err := Remove(ctx, eng, "/p", true); err != nil || !slices.Equal(eng.removed, []string{"run1 force", "done1 force"}) {
		t.Errorf("Remove -f: %v, removed %v", err, eng.removed)
	}

	// Nothing to do is no error.
	eng = newEng()
	done, err = Stop(ctx, eng, "/none", time.Second)
	if err != nil || len(done) != 0 || len(eng.stopped) != 0 {
		t.Errorf("Stop of a project without containers: %v, %v", done, err)
	}

	// One failure does not stop the others, and is named.
	eng = newEng()
	eng.containers = append(eng.containers, ctr("run2", "/p", "running", 2*time.Minute))
	eng.fail = map[string]error{"run1": errors.New("boom")}
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

func imageFixture() *fakeDocker {
	eng := newFakeDocker()
	eng.images = []engine.ImageSummary{
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
	}
	eng.containers = []engine.Container{{ID: "c1", Name: "devenv-p-abc", ImageID: "sha256:used", State: "exited"}}
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
	if want := []string{"devenv/p:o1", "sha256:dangling"}; !slices.Equal(eng.removedImages, want) {
		t.Errorf("removed %v, want %v (old, and the dangling one by ID)", eng.removedImages, want)
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
	if err != nil || len(eng.removedImages) != 0 || len(dry.Removed) != 2 || !dry.DryRun {
		t.Errorf("dry run: %v, removed %v, report %+v", err, eng.removedImages, dry)
	}

	// --all: every project's, the current one too; never an unlabelled one.
	eng = imageFixture()
	if _, err := Clean(t.Context(), eng, CleanOptions{ImageQuery: q, All: true}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"devenv/p:c0", "devenv/p:o1", "devenv/q:q0", "sha256:dangling"}; !slices.Equal(sorted(eng.removedImages), want) {
		t.Errorf("--all removed %v, want %v", eng.removedImages, want)
	}
	if want := map[string]string{LabelProject: ""}; !maps.Equal(eng.imageFilters[0], want) {
		t.Errorf("--all asked for %v", eng.imageFilters[0])
	}

	// The engine finds a container using it after all: kept, not an error.
	eng = imageFixture()
	eng.inUse = map[string]bool{"devenv/p:o1": true}
	rep, err = Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err != nil || slices.Contains(eng.removedImages, "devenv/p:o1") || len(rep.Skipped) != 4 {
		t.Errorf("in use at removal: %v, removed %v, skipped %+v", err, eng.removedImages, rep.Skipped)
	}

	// Other failures are reported, and the rest still cleaned.
	eng = imageFixture()
	eng.fail = map[string]error{"devenv/p:o1": errors.New("boom")}
	_, err = Clean(t.Context(), eng, CleanOptions{ImageQuery: q})
	if err == nil || !strings.Contains(err.Error(), "cannot remove devenv/p:o1: boom") || !slices.Equal(eng.removedImages, []string{"sha256:dangling"}) {
		t.Errorf("failure: %v, removed %v", err, eng.removedImages)
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
