package env

import (
	"context"
	"errors"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenv/devenv/env/engine"
	"github.com/devenv/devenv/env/enginetest"
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

func TestStartServicesStartsOnceAndRecreatesOnChange(t *testing.T) {
	s := mustResolve(t, dbService, map[string]string{"cache/Dockerfile": "FROM busybox\n"}, testHost)
	p := &Project{Spec: s}
	eng := enginetest.New()
	var notice strings.Builder
	if err := StartServices(t.Context(), eng, p, ServiceOptions{Notice: &notice}); err != nil {
		t.Fatal(err)
	}
	if nets, _ := eng.Networks(t.Context(), nil); len(nets) != 1 || nets[0].Name != ServiceNetwork(s) || nets[0].Labels[LabelProject] != s.Root {
		t.Errorf("networks = %+v", nets)
	}
	if vols, _ := eng.Volumes(t.Context(), nil); len(vols) != 1 || vols[0].Name != "devenv-shop-pgdata" || vols[0].Labels[LabelName] != "shop" {
		t.Errorf("volumes = %+v", vols)
	}
	builds := eng.Builds()
	if context := eng.Contexts()[0].Names; len(builds) != 1 || !regexp.MustCompile(`^devenv/shop-svc-cache:[0-9a-f]{16}$`).MatchString(builds[0].Tag) ||
		strings.Join(context, ",") != "Dockerfile" || builds[0].Labels[LabelService] != "cache" {
		t.Errorf("builds = %+v, context %v", builds, context)
	}
	started := eng.Services()
	if len(started) != 2 {
		t.Fatalf("started %d services, want 2", len(started))
	}
	db := started[1]
	if db.Name != "devenv-shop-db" || db.Alias != "db" || db.Network != ServiceNetwork(s) || db.Image != "postgres:16" ||
		db.Labels[LabelProject] != s.Root || db.Labels[LabelVersion] != Version || db.Labels[LabelService] != "db" || db.Labels[LabelConfigHash] == "" ||
		strings.Join(db.Env, ",") != "POSTGRES_PASSWORD=dev" || db.Volumes[0] != (engine.VolumeMount{Volume: "devenv-shop-pgdata", Target: "/var/lib/postgresql/data"}) {
		t.Errorf("db request = %+v", db)
	}
	if execs := len(eng.Execs()); execs != 1 || !strings.Contains(notice.String(), "service db is healthy") {
		t.Errorf("healthchecks %d; notices:\n%s", execs, notice.String())
	}

	// The same configuration again: nothing started (the built image is there now).
	if err := StartServices(t.Context(), eng, p, ServiceOptions{}); err != nil {
		t.Fatal(err)
	}
	removes := []string{"RemoveContainer", "RemoveNetwork", "RemoveVolume"}
	if removed := eng.Did(removes...); len(eng.Services()) != 2 || len(eng.Builds()) != 1 || len(removed) != 0 {
		t.Errorf("a second start started %d, built %d, removed %v", len(eng.Services()), len(eng.Builds()), removed)
	}

	// A changed service is recreated; the other one is left alone.
	s.Services[1].Env["POSTGRES_PASSWORD"] = "changed"
	if err := StartServices(t.Context(), eng, p, ServiceOptions{}); err != nil {
		t.Fatal(err)
	}
	if started, removed := eng.Services(), eng.Did(removes...); len(started) != 3 || started[2].Alias != "db" || !slices.Equal(removed, []string{"RemoveContainer c2 force"}) {
		t.Errorf("after a change: started %d, removed %v", len(started), removed)
	}
}

func TestStartServicesHealthTimeoutShowsLogs(t *testing.T) {
	s := mustResolve(t, "name = \"shop\"\n[services.db]\nimage = \"postgres\"\nhealthcheck = \"false\"\nhealth_timeout = \"30ms\"\n", nil, testHost)
	eng := enginetest.New()
	eng.OnExec = func(string, []string) (int, error) { return 1, nil }
	eng.SetLogs("devenv-shop-db", "booting\nFATAL: no config\n")
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
	if execs := len(eng.Execs()); execs < 2 {
		t.Errorf("healthcheck ran %d times, want it polled", execs)
	}
}

func TestStartServicesCancelled(t *testing.T) {
	s := mustResolve(t, "name = \"shop\"\n[services.db]\nimage = \"postgres\"\nhealthcheck = \"false\"\n", nil, testHost)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	eng := enginetest.New()
	eng.OnExec = func(string, []string) (int, error) { return 1, nil }
	err := StartServices(ctx, eng, &Project{Spec: s}, ServiceOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestDownSelectsByLabel(t *testing.T) {
	ours := map[string]string{LabelProject: "/p", LabelService: "db"}
	newEng := func() *enginetest.Engine {
		eng := enginetest.New()
		eng.SetContainers(
			engine.Container{ID: "svc", Name: "devenv-p-db", Labels: ours},
			engine.Container{ID: "shell", Name: "devenv-p-abc123", Labels: map[string]string{LabelProject: "/p"}},
			engine.Container{ID: "other", Name: "devenv-q-db", Labels: map[string]string{LabelProject: "/q", LabelService: "db"}},
			engine.Container{ID: "stranger", Name: "devenv-p-db2"},
		)
		eng.SetNetworks(engine.Network{ID: "n1", Name: "devenv-p-1", Labels: map[string]string{LabelProject: "/p"}}, engine.Network{ID: "n2", Name: "devenv-q-2", Labels: map[string]string{LabelProject: "/q"}})
		eng.SetVolumes(engine.Volume{Name: "devenv-p-pgdata", Labels: map[string]string{LabelProject: "/p"}}, engine.Volume{Name: "devenv-q-pgdata", Labels: map[string]string{LabelProject: "/q"}})
		return eng
	}
	removes := []string{"RemoveContainer", "RemoveNetwork", "RemoveVolume"}
	eng := newEng()
	res, err := Down(t.Context(), eng, "/p", false)
	if err != nil {
		t.Fatal(err)
	}
	if removed := eng.Did(removes...); !slices.Equal(removed, []string{"RemoveContainer svc force", "RemoveNetwork n1"}) || len(res.Volumes) != 0 {
		t.Errorf("down removed %v (%+v)", removed, res)
	}
	eng = newEng()
	res, err = Down(t.Context(), eng, "/p", true)
	if err != nil {
		t.Fatal(err)
	}
	if removed := eng.Did(removes...); !slices.Equal(removed, []string{"RemoveContainer svc force", "RemoveNetwork n1", "RemoveVolume devenv-p-pgdata"}) || strings.Join(res.Volumes, ",") != "devenv-p-pgdata" {
		t.Errorf("down --volumes removed %v", removed)
	}
	if res, err := Down(t.Context(), enginetest.New(), "/p", true); err != nil || !res.Empty() {
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
