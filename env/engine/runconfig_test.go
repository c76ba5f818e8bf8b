package engine

// The request shapes of GPUs and platform, as devenv sends them to the engine's API:
// first the conversion alone, then through the Docker client against a stand-in of
// the API on loopback that records what arrives (no GPU exists on the machines the
// tests run on, so the real engine can only refuse a GPU request).

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/docker/docker/api/types/container"
)

func TestCreateConfigGPUsAndPlatform(t *testing.T) {
	for _, tt := range []struct {
		gpus int
		want []container.DeviceRequest
	}{
		{0, nil},
		{-1, []container.DeviceRequest{{Driver: "nvidia", Count: -1, Capabilities: [][]string{{"gpu"}}}}},
		{2, []container.DeviceRequest{{Driver: "nvidia", Count: 2, Capabilities: [][]string{{"gpu"}}}}},
	} {
		_, host, _, platform, err := createConfig(RunRequest{Image: "x", GPUs: tt.gpus}, true)
		if err != nil || platform != nil {
			t.Fatalf("gpus %d: %v %v", tt.gpus, platform, err)
		}
		if !reflect.DeepEqual(host.DeviceRequests, tt.want) {
			t.Errorf("gpus %d: device requests %+v, want %+v", tt.gpus, host.DeviceRequests, tt.want)
		}
	}
	_, _, _, platform, err := createConfig(RunRequest{Image: "x", Platform: "linux/arm64/v8"}, true)
	if err != nil || platform.OS != "linux" || platform.Architecture != "arm64" || platform.Variant != "v8" {
		t.Errorf("platform = %+v, %v", platform, err)
	}
	for _, bad := range []string{"linux", "linux/", "/amd64", "a/b/c/d", "linux/arm64/"} {
		if _, err := ParsePlatform(bad); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", bad)
		}
	}
}

// fakeAPI is the few endpoints of the Docker Engine API that a create, a start and a
// build touch, recording the requests; start answers as Docker does on a machine
// without the NVIDIA runtime when the container asked for GPUs.
type fakeAPI struct {
	mu       sync.Mutex
	create   map[string]any // the body of the last create
	createQ  string         // its query
	buildQ   string
	runtimes map[string]any
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := r.URL.Path
	if i := strings.Index(path[1:], "/"); strings.HasPrefix(path, "/v1.") && i > 0 {
		path = path[i+1:]
	}
	w.Header().Set("Api-Version", "1.41")
	w.Header().Set("Ostype", "linux")
	w.Header().Set("Content-Type", "application/json")
	switch {
	case path == "/_ping":
		_, _ = io.WriteString(w, "OK")
	case path == "/version":
		_ = json.NewEncoder(w).Encode(map[string]any{"Version": "20.10.24", "ApiVersion": "1.41", "MinAPIVersion": "1.12", "Os": "linux", "Arch": "amd64"})
	case path == "/info":
		_ = json.NewEncoder(w).Encode(map[string]any{"OperatingSystem": "Debian GNU/Linux 12", "DockerRootDir": "/var/lib/docker", "Runtimes": f.runtimes})
	case path == "/containers/create":
		f.createQ = r.URL.RawQuery
		_ = json.NewDecoder(r.Body).Decode(&f.create)
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"Id":"c1","Warnings":[]}`)
	case strings.HasSuffix(path, "/start"):
		if hc, _ := f.create["HostConfig"].(map[string]any); hc["DeviceRequests"] != nil {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"message":"could not select device driver \"nvidia\" with capabilities: [[gpu]]"}`)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	case path == "/build":
		f.buildQ = r.URL.RawQuery
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, `{"stream":"built\n"}`+"\n")
	default:
		http.Error(w, `{"message":"not in the fake: `+r.Method+" "+path+`"}`, http.StatusNotFound)
	}
}

func TestGPUAndPlatformAgainstTheAPI(t *testing.T) {
	api := &fakeAPI{runtimes: map[string]any{"runc": map[string]any{"path": "runc"}}}
	srv := httptest.NewServer(api) // on loopback
	defer srv.Close()
	t.Setenv("DOCKER_HOST", "tcp://"+strings.TrimPrefix(srv.URL, "http://"))
	t.Setenv("DOCKER_CONTEXT", "")
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	d, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	details, err := d.Details(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if details.GPURuntime() || !reflect.DeepEqual(details.Runtimes, []string{"runc"}) {
		t.Errorf("details = %+v", details)
	}

	_, err = d.StartDetached(t.Context(), RunRequest{Image: "img", Name: "n", GPUs: -1, Platform: "linux/amd64"})
	want := `the engine at ` + d.Endpoint() + ` has no GPU runtime (nvidia): install the NVIDIA Container Toolkit on the engine's machine, or set gpus = "auto" in devenv.toml to run without GPUs there`
	if err == nil || err.Error() != want {
		t.Errorf("start error = %v\nwant %s", err, want)
	}
	api.mu.Lock()
	hc, _ := api.create["HostConfig"].(map[string]any)
	got, _ := json.Marshal(hc["DeviceRequests"])
	if string(got) != `[{"Capabilities":[["gpu"]],"Count":-1,"DeviceIDs":null,"Driver":"nvidia","Options":null}]` {
		t.Errorf("DeviceRequests sent: %s", got)
	}
	if !strings.Contains(api.createQ, "platform=linux%2Famd64") || !strings.Contains(api.createQ, "name=n") {
		t.Errorf("create query: %s", api.createQ)
	}
	api.mu.Unlock()

	err = d.Build(t.Context(), BuildRequest{Context: strings.NewReader(""), Dockerfile: "Dockerfile", Tag: "t", Platform: "linux/arm64", Progress: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	api.mu.Lock()
	if !strings.Contains(api.buildQ, "platform=linux%2Farm64") {
		t.Errorf("build query: %s", api.buildQ)
	}
	api.runtimes["nvidia"] = map[string]any{"path": "nvidia-container-runtime"}
	api.mu.Unlock()
	if details, err := d.Details(t.Context()); err != nil || !details.GPURuntime() {
		t.Errorf("with the nvidia runtime: %+v %v", details, err)
	}
}
