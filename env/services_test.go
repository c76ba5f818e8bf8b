package env

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
)

const dbService = `
name = "shop"

[services.db]
image = "postgres:16"
ports = ["5432:5432"]
volumes = ["pgdata:/var/lib/postgresql/data"]
healthcheck = "pg_isready -h 127.0.0.1"
health_timeout = "5s"

[services.db.env]
POSTGRES_PASSWORD = "dev"

[services.cache]
build = "cache"
`

func TestResolveServices(t *testing.T) {
	s := mustResolve(t, dbService, map[string]string{"cache/Dockerfile": "FROM busybox\n"}, testHost)
	if len(s.Services) != 2 || s.Services[0].Name != "cache" || s.Services[1].Name != "db" {
		t.Fatalf("services = %+v, want cache and db in name order", s.Services)
	}
	cache, db := s.Services[0], s.Services[1]
	if cache.Image != "" || !strings.HasSuffix(cache.Build, "/proj/cache") || cache.HealthTimeout != DefaultHealthTimeout {
		t.Errorf("cache = %+v", cache)
	}
	if db.Image != "postgres:16" || db.Env["POSTGRES_PASSWORD"] != "dev" || db.Healthcheck != "pg_isready -h 127.0.0.1" ||
		db.HealthTimeout != 5*time.Second || len(db.Ports) != 1 ||
		len(db.Volumes) != 1 || db.Volumes[0] != (ServiceVolume{Name: "pgdata", Target: "/var/lib/postgresql/data"}) {
		t.Errorf("db = %+v", db)
	}
}

func TestServiceConfigErrors(t *testing.T) {
	for _, tc := range []struct{ toml, want string }{
		{"[services.db]\nimagee = \"postgres:16\"\n", `devenv.toml:2:1: [services.db]: unknown key "imagee" (did you mean "image"?)`},
		{"[services.db]\nimage = \"postgres:16\"\nhealthchek = \"true\"\n", `devenv.toml:3:1: [services.db]: unknown key "healthchek" (did you mean "healthcheck"?)`},
		{"[services.db]\nimage = 16\n", `[services.db] image must be a string in quotes, not the number 16`},
		{"[services.db]\nimage = \"postgres\"\nports = \"5432\"\n", `[services.db] ports must be a list of strings`},
		{"services = 3\n", `"services" must be tables`},
		{"[services.db]\nports = [\"5432\"]\n", `[services.db] needs image = "postgres:16"`},
		{"[services.db]\nimage = \"postgres\"\nbuild = \"db\"\n", `devenv.toml:3:1: [services.db] sets both image and build`},
		{"[services.db]\nimage = \"Not An Image\"\n", `image "Not An Image" is not an image reference`},
		{"[services.db]\nbuild = \"nodir\"\n", `build "nodir" holds no Dockerfile`},
		{"[services.db]\nbuild = \"../elsewhere\"\n", `must be a directory inside the project`},
		{"[services.db]\nimage = \"postgres\"\nvolumes = [\"/srv/pg:/var/lib/postgresql/data\"]\n", `names a host path: services get named volumes only`},
		{"[services.db]\nimage = \"postgres\"\nvolumes = [\"./pg:/data\"]\n", `names a host path`},
		{"[services.db]\nimage = \"postgres\"\nvolumes = [\"pgdata\"]\n", `must be "NAME:/path/in/the/service"`},
		{"[services.db]\nimage = \"postgres\"\nvolumes = [\"pgdata:relative\"]\n", `must be an absolute path in the service`},
		{"[services.db]\nimage = \"postgres\"\nports = [\"99999:1\"]\n", `[services.db] ports:`},
		{"[services.db]\nimage = \"postgres\"\nhealth_timeout = \"soon\"\n", `health_timeout "soon" must be a duration like "60s"`},
		{"[services.db]\nimage = \"postgres\"\nhealthcheck = \"  \"\n", `healthcheck "  " is empty`},
		{"[services.DB]\nimage = \"postgres\"\n", `service name "DB" must be lower-case`},
		{"[services.db]\nimage = \"postgres\"\n[services.db.env]\n1X = \"a\"\n", `env name "1X" must be letters`},
	} {
		_, err := resolveErr(t, newProject(t, tc.toml, nil), testHost)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.toml, err, tc.want)
		}
	}
}

func TestRunRequestJoinsServiceNetwork(t *testing.T) {
	s := mustResolve(t, dbService, map[string]string{"cache/Dockerfile": "FROM busybox\n"}, testHost)
	req := RunRequest(&Project{Spec: s, Tag: "devenv/shop:1"}, RunOptions{}, runtime.GOOS)
	if want := ServiceNetwork(s); req.Network != want || !regexp.MustCompile(`^devenv-shop-[0-9a-f]{8}$`).MatchString(want) {
		t.Errorf("network = %q, want %q of the form devenv-shop-<hash>", req.Network, want)
	}
	plain := mustResolve(t, "name = \"shop\"\n", nil, testHost)
	if req := RunRequest(&Project{Spec: plain}, RunOptions{}, runtime.GOOS); req.Network != "" {
		t.Errorf("a project without services joins network %q", req.Network)
	}
}

// fakeServices is an engine holding containers, networks and volumes in memory.
type fakeServices struct {
	mu         sync.Mutex
	images     map[string]bool
	containers []engine.Container
	networks   []engine.Network
	volumes    []engine.Volume
	execCode   int
	logs       string

	builds  []engine.BuildRequest
	context []string // names in the last build's context
	started []engine.ServiceRequest
	removed []string
	execs   int
}

func (f *fakeServices) ImageExists(_ context.Context, ref string) (bool, error) {
	return f.images[ref], nil
}

func (f *fakeServices) Build(_ context.Context, req engine.BuildRequest) error {
	tr := tar.NewReader(req.Context)
	f.context = nil
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		f.context = append(f.context, h.Name)
	}
	f.builds = append(f.builds, req)
	return nil
}

func (f *fakeServices) Containers(_ context.Context, labels map[string]string) ([]engine.Container, error) {
	var out []engine.Container
next:
	for _, c := range f.containers {
		for k, v := range labels {
			if got, ok := c.Labels[k]; !ok || (v != "" && got != v) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func (f *fakeServices) RemoveContainer(_ context.Context, id string, force bool) error {
	f.removed = append(f.removed, id)
	for i, c := range f.containers {
		if c.ID == id {
			f.containers = append(f.containers[:i], f.containers[i+1:]...)
			break
		}
	}
	return nil
}

func (f *fakeServices) EnsureNetwork(_ context.Context, name string, labels map[string]string) error {
	for _, n := range f.networks {
		if n.Name == name {
			return nil
		}
	}
	f.networks = append(f.networks, engine.Network{ID: "net-" + name, Name: name, Labels: labels})
	return nil
}

func (f *fakeServices) Networks(_ context.Context, labels map[string]string) ([]engine.Network, error) {
	var out []engine.Network
	for _, n := range f.networks {
		if n.Labels[LabelProject] == labels[LabelProject] {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeServices) RemoveNetwork(_ context.Context, id string) error {
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeServices) EnsureVolume(_ context.Context, name string, labels map[string]string) error {
	for _, v := range f.volumes {
		if v.Name == name {
			return nil
		}
	}
	f.volumes = append(f.volumes, engine.Volume{Name: name, Labels: labels})
	return nil
}

func (f *fakeServices) Volumes(_ context.Context, labels map[string]string) ([]engine.Volume, error) {
	var out []engine.Volume
	for _, v := range f.volumes {
		if v.Labels[LabelProject] == labels[LabelProject] {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f *fakeServices) RemoveVolume(_ context.Context, name string) error {
	f.removed = append(f.removed, "volume "+name)
	return nil
}

func (f *fakeServices) StartService(_ context.Context, req engine.ServiceRequest) (string, error) {
	f.started = append(f.started, req)
	id := fmt.Sprintf("c%d", len(f.started))
	f.containers = append(f.containers, engine.Container{ID: id, Name: req.Name, State: "running", Labels: req.Labels})
	return id, nil
}

func (f *fakeServices) Exec(_ context.Context, name string, cmd []string, user string, env []string, out io.Writer) (int, error) {
	f.execs++
	return f.execCode, nil
}

func (f *fakeServices) Logs(_ context.Context, id string, tail int) (string, error) {
	return f.logs, nil
}

func TestStartServicesStartsOnceAndRecreatesOnChange(t *testing.T) {
	s := mustResolve(t, dbService, map[string]string{"cache/Dockerfile": "FROM busybox\n"}, testHost)
	p := &Project{Spec: s}
	eng := &fakeServices{images: map[string]bool{}}
	var notice strings.Builder
	if err := StartServices(t.Context(), eng, p, ServiceOptions{Notice: &notice}); err != nil {
		t.Fatal(err)
	}
	if len(eng.networks) != 1 || eng.networks[0].Name != ServiceNetwork(s) || eng.networks[0].Labels[LabelProject] != s.Root {
		t.Errorf("networks = %+v", eng.networks)
	}
	if len(eng.volumes) != 1 || eng.volumes[0].Name != "devenv-shop-pgdata" || eng.volumes[0].Labels[LabelName] != "shop" {
		t.Errorf("volumes = %+v", eng.volumes)
	}
	if len(eng.builds) != 1 || !regexp.MustCompile(`^devenv/shop-svc-cache:[0-9a-f]{16}$`).MatchString(eng.builds[0].Tag) ||
		strings.Join(eng.context, ",") != "Dockerfile" || eng.builds[0].Labels[LabelService] != "cache" {
		t.Errorf("builds = %+v, context %v", eng.builds, eng.context)
	}
	if len(eng.started) != 2 {
		t.Fatalf("started %d services, want 2", len(eng.started))
	}
	db := eng.started[1]
	if db.Name != "devenv-shop-db" || db.Alias != "db" || db.Network != ServiceNetwork(s) || db.Image != "postgres:16" ||
		db.Labels[LabelProject] != s.Root || db.Labels[LabelVersion] != Version || db.Labels[LabelService] != "db" || db.Labels[LabelConfigHash] == "" ||
		strings.Join(db.Env, ",") != "POSTGRES_PASSWORD=dev" || db.Volumes[0] != (engine.VolumeMount{Volume: "devenv-shop-pgdata", Target: "/var/lib/postgresql/data"}) {
		t.Errorf("db request = %+v", db)
	}
	if eng.execs != 1 || !strings.Contains(notice.String(), "service db is healthy") {
		t.Errorf("healthchecks %d; notices:\n%s", eng.execs, notice.String())
	}

	// The same configuration again: nothing started.
	eng.images[eng.builds[0].Tag] = true
	if err := StartServices(t.Context(), eng, p, ServiceOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(eng.started) != 2 || len(eng.builds) != 1 || len(eng.removed) != 0 {
		t.Errorf("a second start started %d, built %d, removed %v", len(eng.started), len(eng.builds), eng.removed)
	}

	// A changed service is recreated; the other one is left alone.
	s.Services[1].Env["POSTGRES_PASSWORD"] = "changed"
	if err := StartServices(t.Context(), eng, p, ServiceOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(eng.started) != 3 || eng.started[2].Alias != "db" || strings.Join(eng.removed, ",") != "c2" {
		t.Errorf("after a change: started %d, removed %v", len(eng.started), eng.removed)
	}
}

func TestStartServicesHealthTimeoutShowsLogs(t *testing.T) {
	s := mustResolve(t, "name = \"shop\"\n[services.db]\nimage = \"postgres\"\nhealthcheck = \"false\"\nhealth_timeout = \"30ms\"\n", nil, testHost)
	eng := &fakeServices{execCode: 1, logs: "booting\nFATAL: no config\n"}
	err := StartServices(t.Context(), eng, &Project{Spec: s}, ServiceOptions{Interval: 5 * time.Millisecond})
	if err == nil {
		t.Fatal("no error from a service that never becomes healthy")
	}
	for _, want := range []string{`service db did not become healthy within 30ms: healthcheck "false" still fails (exit status 1)`,
		"its last 20 log lines:\n  booting\n  FATAL: no config\n", "raise health_timeout of [services.db]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if eng.execs < 2 {
		t.Errorf("healthcheck ran %d times, want it polled", eng.execs)
	}
}

func TestStartServicesCancelled(t *testing.T) {
	s := mustResolve(t, "name = \"shop\"\n[services.db]\nimage = \"postgres\"\nhealthcheck = \"false\"\n", nil, testHost)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := StartServices(ctx, &fakeServices{execCode: 1}, &Project{Spec: s}, ServiceOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDownSelectsByLabel(t *testing.T) {
	ours := map[string]string{LabelProject: "/p", LabelService: "db"}
	eng := &fakeServices{
		containers: []engine.Container{
			{ID: "svc", Name: "devenv-p-db", Labels: ours},
			{ID: "shell", Name: "devenv-p-abc123", Labels: map[string]string{LabelProject: "/p"}},
			{ID: "other", Name: "devenv-q-db", Labels: map[string]string{LabelProject: "/q", LabelService: "db"}},
			{ID: "stranger", Name: "devenv-p-db2"},
		},
		networks: []engine.Network{{ID: "n1", Name: "devenv-p-1", Labels: map[string]string{LabelProject: "/p"}}, {ID: "n2", Name: "devenv-q-2", Labels: map[string]string{LabelProject: "/q"}}},
		volumes:  []engine.Volume{{Name: "devenv-p-pgdata", Labels: map[string]string{LabelProject: "/p"}}, {Name: "devenv-q-pgdata", Labels: map[string]string{LabelProject: "/q"}}},
	}
	res, err := Down(t.Context(), eng, "/p", false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(eng.removed, ",") != "svc,n1" || len(res.Volumes) != 0 {
		t.Errorf("down removed %v (%+v)", eng.removed, res)
	}
	eng.removed = nil
	res, err = Down(t.Context(), eng, "/p", true)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(eng.removed, ",") != "n1,volume devenv-p-pgdata" || strings.Join(res.Volumes, ",") != "devenv-p-pgdata" {
		t.Errorf("down --volumes removed %v", eng.removed)
	}
	if res, err := Down(t.Context(), &fakeServices{}, "/p", true); err != nil || !res.Empty() {
		t.Errorf("down with nothing: %+v, %v", res, err)
	}
}

func TestDirHashFollowsNamesAndContents(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"Dockerfile": "FROM x\n", "init.sh": "echo\n"})
	a, _ := dirHash(dir)
	writeFiles(t, dir, map[string]string{"init.sh": "echo hi\n"})
	b, _ := dirHash(dir)
	writeFiles(t, dir, map[string]string{"sub/init.sh": "echo hi\n"})
	c, _ := dirHash(dir)
	if a == b || b == c || len(a) != 16 {
		t.Errorf("hashes %s %s %s: want three different 16-digit ones", a, b, c)
	}
}
