package enginetest_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

// The fake is a whole engine, as engine.Docker is.
var _ env.Engine = (*enginetest.Engine)(nil)

func tarOf(t *testing.T, files ...string) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(name))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func TestBuildMakesATaggedImage(t *testing.T) {
	eng := enginetest.New()
	ctx := t.Context()
	labels := map[string]string{"dev.devenv.project": "/p"}
	if err := eng.Build(ctx, engine.BuildRequest{Context: tarOf(t, "Dockerfile", "a.txt"), Tag: "devenv/p:1", Labels: labels}); err != nil {
		t.Fatal(err)
	}
	if ok, _ := eng.ImageExists(ctx, "devenv/p:1"); !ok {
		t.Error("the built tag does not exist")
	}
	if got := eng.Contexts()[0]; !slices.Equal(got.Names, []string{"Dockerfile", "a.txt"}) || got.Files["a.txt"] != "a.txt" {
		t.Errorf("context = %+v", got)
	}
	// The tag moves to a newer build; the old image stays, untagged.
	if err := eng.Build(ctx, engine.BuildRequest{Context: tarOf(t), Tag: "devenv/p:1", Labels: labels}); err != nil {
		t.Fatal(err)
	}
	list, _ := eng.ImageSummaries(ctx, map[string]string{"dev.devenv.project": ""})
	if len(list) != 2 || len(list[0].Tags) != 0 || !slices.Equal(list[1].Tags, []string{"devenv/p:1"}) {
		t.Errorf("images = %+v", list)
	}
	if images, _ := eng.Images(ctx, map[string]string{"dev.devenv.project": "/q"}); len(images) != 0 || len(eng.Filters("Images")) != 1 {
		t.Errorf("images of another project = %+v, filters %v", images, eng.Filters("Images"))
	}
	// A context stream that fails fails the build with its error.
	if err := eng.Build(ctx, engine.BuildRequest{Context: bytes.NewBufferString("not a tar stream at all, but long enough to read a header from it........................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"), Tag: "x"}); err == nil {
		t.Error("a broken context built")
	}
	if len(eng.Builds()) != 3 || len(eng.Did("Build")) != 2 {
		t.Errorf("builds %d, did %q", len(eng.Builds()), eng.Did("Build"))
	}
}

func TestLabelFiltersAndState(t *testing.T) {
	eng := enginetest.New()
	ctx := t.Context()
	eng.SetContainers(
		engine.Container{ID: "a", Name: "devenv-a", State: "running", ImageID: "sha256:i", Labels: map[string]string{"p": "/a", "svc": "db"}},
		engine.Container{ID: "b", Name: "devenv-b", State: "exited", Labels: map[string]string{"p": "/b"}},
	)
	for _, tt := range []struct {
		labels map[string]string
		want   []string
	}{
		{nil, []string{"a", "b"}},
		{map[string]string{"p": "/a"}, []string{"a"}},
		{map[string]string{"p": ""}, []string{"a", "b"}},
		{map[string]string{"p": "", "svc": ""}, []string{"a"}},
		{map[string]string{"p": "/c"}, nil},
	} {
		list, _ := eng.Containers(ctx, tt.labels)
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("Containers(%v) = %v, want %v", tt.labels, ids, tt.want)
		}
	}
	if f := eng.Filters("Containers"); len(f) != 5 || f[1]["p"] != "/a" {
		t.Errorf("filters = %v", f)
	}

	// A running container is removed only by force; a gone one is no error.
	if err := eng.RemoveContainer(ctx, "a", false); err == nil {
		t.Error("removed a running container without force")
	}
	eng.SetImages(engine.ImageSummary{Image: engine.Image{ID: "sha256:i", Tags: []string{"devenv/a:1"}}})
	var inUse *engine.ImageInUseError
	if err := eng.RemoveImageUnlessUsed(ctx, "devenv/a:1"); !errors.As(err, &inUse) {
		t.Errorf("removing an image in use: %v", err)
	}
	if err := eng.StopContainer(ctx, "a", time.Second); err != nil {
		t.Fatal(err)
	}
	if err := eng.RemoveContainer(ctx, "a", false); err != nil {
		t.Fatal(err)
	}
	if err := eng.RemoveImageUnlessUsed(ctx, "devenv/a:1"); err != nil {
		t.Fatal(err)
	}
	if err := eng.RemoveContainer(ctx, "gone", true); err != nil {
		t.Errorf("removing a container already gone: %v", err)
	}
	want := []string{"StopContainer a 1s", "RemoveContainer a", "RemoveImageUnlessUsed devenv/a:1", "RemoveContainer gone force"}
	if got := eng.Did("StopContainer", "RemoveContainer", "RemoveImageUnlessUsed"); !slices.Equal(got, want) {
		t.Errorf("did %q, want %q", got, want)
	}

	eng.IgnoreLabels = true
	if list, _ := eng.Containers(ctx, map[string]string{"p": "/nowhere"}); len(list) != 1 {
		t.Errorf("IgnoreLabels still filtered: %+v", list)
	}
}

func TestProgrammedErrorsAndHooks(t *testing.T) {
	eng := enginetest.New()
	ctx := t.Context()
	boom := errors.New("boom")
	eng.FailFor("StopContainer", "a", boom)
	if err := eng.StopContainer(ctx, "a", 0); !errors.Is(err, boom) {
		t.Errorf("StopContainer a: %v", err)
	}
	if err := eng.StopContainer(ctx, "b", 0); err != nil {
		t.Errorf("StopContainer b: %v", err)
	}
	eng.Fail("Ping", boom)
	if _, err := eng.Ping(ctx); !errors.Is(err, boom) {
		t.Errorf("Ping: %v", err)
	}
	eng.Fail("Ping", nil)
	if _, err := eng.Ping(ctx); err != nil {
		t.Errorf("Ping after clearing: %v", err)
	}

	// While OnRun runs the container is there, and a command can be run in it.
	eng.OnExec = func(container string, cmd []string) (int, error) { return len(cmd), nil }
	eng.OnRun = func(req engine.RunRequest) (int, error) {
		code, err := eng.Exec(ctx, req.Name, []string{"true", "x"}, "", nil, nil)
		return code + 40, err
	}
	if code, err := eng.Run(ctx, engine.RunRequest{Name: "devenv-shell", Image: "img"}); code != 42 || err != nil {
		t.Errorf("Run = %d, %v", code, err)
	}
	if list, _ := eng.Containers(ctx, nil); len(list) != 0 {
		t.Errorf("the run container outlived its run: %+v", list)
	}
	if _, err := eng.Exec(ctx, "devenv-shell", []string{"true"}, "", nil, nil); err == nil {
		t.Error("exec in a container that is gone")
	}
}

func TestConcurrentUse(t *testing.T) {
	eng := enginetest.New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = eng.EnsureNetwork(t.Context(), "net", nil)
			_, _ = eng.StartService(t.Context(), engine.ServiceRequest{Name: "svc" + string(rune('a'+i))})
			_, _ = eng.Containers(t.Context(), nil)
		}()
	}
	wg.Wait()
	if len(eng.Services()) != 8 || len(eng.Did("EnsureNetwork")) != 8 {
		t.Errorf("services %d, networks ensured %d", len(eng.Services()), len(eng.Did("EnsureNetwork")))
	}
	if nets, _ := eng.Networks(t.Context(), nil); len(nets) != 1 {
		t.Errorf("networks = %+v", nets)
	}
}
