package env

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
)

const cacheToml = "name = \"app\"\nbase = \"busybox:devenv\"\ntrust_host_ca = false\ncache = \"reg.example/team/cache\"\n"

var cacheHost = Host{UID: 1000, GID: 1000, UserName: "ann"}

func TestCacheKeys(t *testing.T) {
	s := mustResolve(t, cacheToml+"cache_push = true\n", nil, cacheHost)
	if s.Cache != "reg.example/team/cache" || !s.CachePush {
		t.Errorf("cache %q push %v", s.Cache, s.CachePush)
	}
	for toml, want := range map[string]string{
		"cache = \"reg.example/c:1\"\n":                     "must not name a tag",
		"cache = \"Not A Ref\"\n":                           "must be a registry and path",
		"cache_push = true\n":                               "needs a cache to push to",
		"cache = \"reg.example/c\"\ncache_push = \"yes\"\n": "true or false",
	} {
		if _, err := resolveErr(t, newProject(t, toml, nil), cacheHost); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", toml, err, want)
		}
	}
	// The user's config wins: this machine's cache, and whether it pushes.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"config.toml": "cache = \"mirror.local:5000/cache\"\ncache_push = false\n"})
	host := cacheHost
	host.ConfigDir = dir
	s = mustResolve(t, cacheToml+"cache_push = true\n", nil, host)
	if s.Cache != "mirror.local:5000/cache" || s.CachePush {
		t.Errorf("user config: cache %q push %v", s.Cache, s.CachePush)
	}
}

func TestSharedProject(t *testing.T) {
	p1 := loadTestProject(t, cacheToml+"setup = [\"true\"]\n", cacheHost)
	p2 := loadTestProject(t, cacheToml+"setup = [\"true\"]\n", Host{UID: 1001, GID: 1001, UserName: "bob"})
	s1, err := SharedProject(p1, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := SharedProject(p2, RenderOptions{BuildKit: true})
	if p1.Fingerprint == p2.Fingerprint || s1.Fingerprint != s2.Fingerprint {
		t.Errorf("two users in two places: local %s %s, shared %s %s: want the local ones apart and the shared ones equal", p1.Fingerprint, p2.Fingerprint, s1.Fingerprint, s2.Fingerprint)
	}
	if !strings.HasPrefix(p1.Dockerfile, strings.TrimRight(s1.Dockerfile, "\n")) || strings.Contains(s1.Dockerfile, "ann") {
		t.Errorf("the shared Dockerfile must be the local one without the user's layer:\n%s\n---\n%s", s1.Dockerfile, p1.Dockerfile)
	}
	for k, v := range sharedLabels(s1) {
		if k == LabelProject || strings.Contains(v, p1.Spec.Root) {
			t.Errorf("shared label %s=%s names the project's path", k, v)
		}
	}
	if got := CacheRef("reg.example/team/cache", s1); got != "reg.example/team/cache/app:"+s1.Fingerprint {
		t.Errorf("CacheRef = %s", got)
	}
}

func TestEnsureImageFromCache(t *testing.T) {
	p := loadTestProject(t, cacheToml, cacheHost)
	sp, _ := SharedProject(p, RenderOptions{BuildKit: true})
	ref := CacheRef(p.Spec.Cache, sp)

	// In the cache: pulled, no build, the user's layer committed here with the path label.
	eng := enginetest.New()
	var out strings.Builder
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Progress: &out, Info: engine.Info{BuildKit: true}})
	if err != nil || built {
		t.Fatalf("EnsureImage = %v, %v", built, err)
	}
	if len(eng.Builds()) != 0 || len(eng.Did("PullImage")) != 1 || !strings.Contains(out.String(), "pulled "+ref+" from the cache") {
		t.Errorf("builds %d pulls %v out %q", len(eng.Builds()), eng.Did("PullImage"), out.String())
	}
	if ok, _ := eng.ImageExists(t.Context(), p.Tag); !ok {
		t.Fatal("no local image after the user's layer")
	}
	ims, _ := eng.Images(t.Context(), map[string]string{LabelProject: p.Spec.Root})
	if len(ims) != 1 || ims[0].Labels[LabelFingerprint] != p.Fingerprint {
		t.Errorf("the local image must carry the project's labels: %+v", ims)
	}

	// Not in the cache: one line, a build of the shared image with the registry's
	// layer cache, pushed when allowed, then the user's layer.
	for _, tc := range []struct {
		name      string
		err       error
		line      string
		cacheFrom bool
	}{
		{"missing", &engine.RegistryError{Op: "pull", Ref: ref, Registry: "reg.example", Kind: engine.RegistryNotFound, Msg: "manifest unknown"}, "the cache has no " + ref + " yet; building here", true},
		{"down", &engine.RegistryError{Op: "pull", Ref: ref, Registry: "reg.example", Kind: engine.RegistryUnreachable, Msg: "connection refused"}, "the cache reg.example does not answer (connection refused); building here", false},
		{"credentials", &engine.RegistryError{Op: "pull", Ref: ref, Registry: "reg.example", Kind: engine.RegistryAuth, Msg: "unauthorized"}, "the cache reg.example refused your credentials", false},
	} {
		eng := enginetest.New()
		eng.SetInRegistry(cacheLatest(p.Spec.Cache, sp))
		eng.Fail("PullImage", tc.err)
		p.Spec.CachePush = true
		var out strings.Builder
		built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Progress: &out, Info: engine.Info{BuildKit: true}})
		if err != nil || !built {
			t.Fatalf("%s: EnsureImage = %v, %v", tc.name, built, err)
		}
		if lines := strings.Count(out.String(), "\n"); !strings.Contains(out.String(), tc.line) || lines != 2 {
			t.Errorf("%s: output %q, want %q and the push line", tc.name, out.String(), tc.line)
		}
		b := eng.Builds()
		if len(b) != 1 || b[0].Tag != sp.Tag || b[0].Labels[LabelProject] != "" || !b[0].InlineCache || (len(b[0].CacheFrom) > 0) != tc.cacheFrom {
			t.Errorf("%s: builds %+v", tc.name, b)
		}
		if pushes := eng.Did("PushImage"); len(pushes) != 2 {
			t.Errorf("%s: pushes %v", tc.name, pushes)
		}
	}
}

func TestCachePushRefused(t *testing.T) {
	p := loadTestProject(t, cacheToml+"cache_push = true\n", cacheHost)
	sp, _ := SharedProject(p, RenderOptions{BuildKit: true})
	eng := enginetest.New()
	eng.Fail("PullImage", &engine.RegistryError{Op: "pull", Ref: CacheRef(p.Spec.Cache, sp), Registry: "reg.example", Kind: engine.RegistryNotFound, Msg: "manifest unknown"})
	eng.Fail("PushImage", &engine.RegistryError{Op: "push", Ref: CacheRef(p.Spec.Cache, sp), Registry: "reg.example", Kind: engine.RegistryAuth, Msg: "denied", Anonymous: true})
	var out strings.Builder
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Progress: &out, Info: engine.Info{BuildKit: true}})
	if err != nil || !built {
		t.Fatalf("a refused push must not fail the command: %v, %v", built, err)
	}
	if n := strings.Count(out.String(), "devenv: not pushed to the cache: "); n != 1 || !strings.Contains(out.String(), "docker login reg.example") {
		t.Errorf("output %q: want one line saying the push was refused and what to do", out.String())
	}
	if ok, _ := eng.ImageExists(t.Context(), p.Tag); !ok {
		t.Error("no local image after a refused push")
	}
}

func TestCacheRebuild(t *testing.T) {
	p := loadTestProject(t, cacheToml, cacheHost)
	sp, _ := SharedProject(p, RenderOptions{BuildKit: true})
	eng := enginetest.New()
	eng.AddImage(sp.Tag, CacheRef(p.Spec.Cache, sp))
	// --rebuild builds the shared image again: no pull, whatever is here or in the cache.
	built, err := EnsureImage(t.Context(), eng, p, BuildOptions{Rebuild: true, Info: engine.Info{BuildKit: true}})
	if err != nil || !built || len(eng.Builds()) != 1 || len(eng.Did("PullImage")) != 0 {
		t.Errorf("rebuild: built %v err %v builds %d pulls %v", built, err, len(eng.Builds()), eng.Did("PullImage"))
	}
}

func TestUserLayerFiles(t *testing.T) {
	passwd := "root:x:0:0:root:/root:/bin/sh\nann:x:5:5::/home/x:/bin/sh\n"
	group := "root:x:0:\nusers:x:1000:"
	p, g := addUserEntries(passwd, group, User{UID: 1000, GID: 1000, Name: "ann", Home: "/home/ann"})
	if !strings.HasSuffix(p, "devenv-1000:x:1000:1000:devenv user:/home/ann:/bin/sh\n") || g != group {
		t.Errorf("passwd %q group %q", p, g)
	}
	p, g = addUserEntries("", "", User{UID: 7, GID: 8, Name: "bo", Home: "/h"})
	if p != "bo:x:7:8:devenv user:/h:/bin/sh\n" || g != "bo:x:8:\n" {
		t.Errorf("empty: passwd %q group %q", p, g)
	}
}

func TestBundleRoundTrip(t *testing.T) {
	p := loadTestProject(t, "name = \"app\"\nbase = \"busybox:devenv\"\n", cacheHost)
	lock, err := (&Lock{LockVersion: LockFormat, DevenvVersion: "v-test", Inputs: LockInputs{Base: "busybox:devenv"}}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, p.Spec.Root, map[string]string{"devenv.lock": string(lock)})
	eng := enginetest.New()
	out := filepath.Join(t.TempDir(), "env.tar")
	res, err := SaveBundle(t.Context(), eng, p, out, BuildOptions{Info: engine.Info{BuildKit: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 3 || res.Files[2].Name != "devenv.lock" {
		t.Errorf("files %+v", res.Files)
	}
	data, _ := os.ReadFile(out)

	// Another engine, an empty directory: the image and both files arrive.
	other := enginetest.New()
	dir := t.TempDir()
	lr, err := LoadBundle(t.Context(), other, out, dir)
	if err != nil || lr.Image != res.Image || len(lr.Wrote) != 2 {
		t.Fatalf("load: %+v %v", lr, err)
	}
	if ok, _ := other.ImageExists(t.Context(), res.Image); !ok {
		t.Error("no image after load")
	}

	// Truncated and tampered bundles: refused, nothing loaded.
	bad := map[string][]byte{
		"truncated": data[:len(data)/2],
		"tampered":  tamper(data, "v-test", "v-tesT"),
	}
	for name, b := range bad {
		f := filepath.Join(t.TempDir(), name+".tar")
		writeFiles(t, filepath.Dir(f), map[string]string{filepath.Base(f): string(b)})
		eng := enginetest.New()
		_, err := LoadBundle(t.Context(), eng, f, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "nothing was loaded") || len(eng.Did("LoadImage")) != 0 {
			t.Errorf("%s: %v, loads %v", name, err, eng.Did("LoadImage"))
		}
	}
}

func tamper(b []byte, from, to string) []byte {
	return []byte(strings.Replace(string(b), from, to, 1))
}

func TestCheckPlatforms(t *testing.T) {
	eng := enginetest.New()
	eng.SetDetails(engine.Details{Endpoint: "unix:///var/run/docker.sock", Kind: "docker", ServerVersion: "20.10.24", OS: "linux", Arch: "amd64"})
	binfmtDir = t.TempDir()
	err := CheckPlatforms(t.Context(), eng, []string{"linux/amd64", "linux/arm64"})
	if err == nil || !strings.Contains(err.Error(), "image store") || !strings.Contains(err.Error(), "no qemu-aarch64") {
		t.Errorf("Docker 20.10 without QEMU: %v", err)
	}
	if err := CheckPlatforms(t.Context(), eng, []string{"linux/amd64"}); err != nil {
		t.Errorf("its own platform: %v", err)
	}
	if _, err := ParsePlatforms("linux/amd64,linux/amd64"); err == nil {
		t.Error("a platform twice")
	}
}
