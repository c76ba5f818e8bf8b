package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

// imagesFixture is a project with its current image, an old one, an image of another
// project, and an image named like devenv's without its labels.
func imagesFixture(t *testing.T) (string, *env.Project, *enginetest.Engine) {
	t.Helper()
	dir := project(t, "name = \"web\"\nbase = \"busybox:devenv\"\n")
	p, err := env.LoadProject(dir, env.CurrentHost(), env.RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	labels := func(root, fp string) map[string]string {
		return map[string]string{env.LabelProject: root, env.LabelName: "web", env.LabelFingerprint: fp}
	}
	eng := enginetest.New()
	eng.SetImages(
		engine.ImageSummary{Image: engine.Image{ID: "sha256:cur", Tags: []string{p.Tag}, Labels: labels(dir, p.Fingerprint), Created: testNow.Add(-time.Minute)}, Size: 1_980_000},
		engine.ImageSummary{Image: engine.Image{ID: "sha256:old", Tags: []string{"devenv/web:0ld"}, Labels: labels(dir, "0ld"), Created: testNow.Add(-2 * time.Hour)}, Size: 205_000_000},
		engine.ImageSummary{Image: engine.Image{ID: "sha256:other", Tags: []string{"devenv/web:07h"}, Labels: labels("/other/web", "07h"), Created: testNow.Add(-time.Hour)}, Size: 1000},
		engine.ImageSummary{Image: engine.Image{ID: "sha256:plain", Tags: []string{"devenv/web:plain"}, Created: testNow}, Size: 1000},
	)
	return dir, p, eng
}

func TestImages(t *testing.T) {
	dir, p, eng := imagesFixture(t)
	hook := func(ctx context.Context, o *imagesOptions) error {
		o.now = func() time.Time { return testNow }
		return imagesRun(ctx, eng, o)
	}

	f, out, errOut := testFactory(eng)
	if code := runApp(t, f, withCommand(newApp(f), newImagesCmd(f, hook)), "-C", dir, "images"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	want := "TAG                           CURRENT   SIZE     CREATED\n" +
		p.Tag + "   yes       1.98MB   About a minute ago\n" +
		"devenv/web:0ld                          205MB    2 hours ago\n"
	if out.String() != want {
		t.Errorf("images:\n%s\nwant:\n%s", out, want)
	}

	f, out, _ = testFactory(eng)
	runApp(t, f, withCommand(newApp(f), newImagesCmd(f, hook)), "-C", dir, "images", "--all")
	if s := out.String(); !strings.Contains(s, "PROJECT") || !strings.Contains(s, "/other/web") || strings.Contains(s, "plain") {
		t.Errorf("images --all:\n%s", s)
	}

	f, out, _ = testFactory(eng)
	runApp(t, f, nil, "-C", dir, "images", "--json")
	var got []env.EnvImage
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != 2 || !got[0].Current || got[0].Tag != p.Tag || got[1].Current {
		t.Errorf("images --json = %s (%v)", out, err)
	}

	// A broken devenv.toml: the images are still listed, the current one unknown.
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte("pacakges = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, out, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "images"); code != exitOK || strings.Contains(out.String(), "yes") ||
		!strings.Contains(errOut.String(), "cannot tell which image is current") || !strings.Contains(out.String(), "devenv/web:0ld") {
		t.Errorf("images with a broken devenv.toml: %d\n%s\n%s", code, out, errOut)
	}
}

func TestClean(t *testing.T) {
	dir, p, eng := imagesFixture(t)
	f, out, errOut := testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "clean", "--dry-run"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if removed := eng.Did("RemoveImageUnlessUsed"); out.String() != "would remove devenv/web:0ld (205MB)\n" || len(removed) != 0 ||
		!strings.Contains(errOut.String(), "would remove 1 image, 205MB; nothing was removed") {
		t.Errorf("clean --dry-run: stdout %q, stderr %q, removed %v", out, errOut, removed)
	}

	f, out, errOut = testFactory(eng)
	if code := runApp(t, f, nil, "-C", dir, "clean"); code != exitOK {
		t.Fatalf("exit status %d: %s", code, errOut)
	}
	if removed := eng.Did("RemoveImageUnlessUsed"); !slices.Equal(removed, []string{"RemoveImageUnlessUsed devenv/web:0ld"}) || out.String() != "removed devenv/web:0ld (205MB)\n" {
		t.Errorf("clean removed %v, said %q", removed, out)
	}

	// --all --dry-run lists every project's images, the current one too, and removes nothing.
	dir, p, eng = imagesFixture(t)
	f, out, _ = testFactory(eng)
	runApp(t, f, nil, "-C", dir, "clean", "--all", "--dry-run")
	if s, removed := out.String(), eng.Did("RemoveImageUnlessUsed"); !strings.Contains(s, "would remove "+p.Tag) || !strings.Contains(s, "of /other/web") || strings.Contains(s, "plain") || len(removed) != 0 {
		t.Errorf("clean --all --dry-run: %q, removed %v", s, removed)
	}

	f, out, _ = testFactory(eng)
	runApp(t, f, nil, "-C", dir, "clean", "--json", "--dry-run")
	var rep env.CleanReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || len(rep.Removed) != 1 || !rep.DryRun || rep.Freed != 205_000_000 {
		t.Errorf("clean --json = %s (%v)", out, err)
	}

	// Without knowing the current image, clean removes nothing.
	if err := os.WriteFile(filepath.Join(dir, "devenv.toml"), []byte("pacakges = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, errOut = testFactory(eng)
	code := runApp(t, f, nil, "-C", dir, "clean")
	if removed := eng.Did("RemoveImageUnlessUsed"); code != exitError || len(removed) != 0 ||
		!strings.Contains(errOut.String(), "cannot tell which image is current, so nothing was removed") {
		t.Errorf("clean with a broken devenv.toml: %d %q, removed %v", code, errOut, removed)
	}
}
