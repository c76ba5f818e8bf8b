package env

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func latestServer(t *testing.T, status int, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+LatestFile {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCheckForUpdate(t *testing.T) {
	for _, tc := range []struct {
		name, current, body string
		newer, dev          bool
	}{
		{"up to date", "1.2.0", "1.2.0\n", false, false},
		{"newer", "1.2.0", "1.3.0\n", true, false},
		{"v prefix", "v1.2.0", "v1.10.0", true, false},
		{"local is newer", "1.4.0", "1.3.0", false, false},
		{"snapshot before its release", "1.3.0-dev.abc1234", "1.3.0", true, false},
		{"build from source", "dev", "1.3.0", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := latestServer(t, http.StatusOK, tc.body)
			res, err := CheckForUpdate(t.Context(), http.DefaultClient, base, tc.current)
			if err != nil {
				t.Fatal(err)
			}
			if res.Newer != tc.newer || res.Dev != tc.dev || res.Latest != strings.TrimPrefix(strings.TrimSpace(tc.body), "v") {
				t.Errorf("got %+v", res)
			}
		})
	}
}

func TestCheckForUpdateFaults(t *testing.T) {
	// A port that was listening and is closed: nothing answers there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	for _, tc := range []struct {
		name, base, want string
	}{
		{"down", down, "cannot reach " + down + "/latest: "},
		{"missing", latestServer(t, http.StatusNotFound, ""), "answered 404 Not Found"},
		{"not a version", latestServer(t, http.StatusOK, "<html>sign in</html>"), `says "<html>sign in</html>", not a version`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckForUpdate(t.Context(), http.DefaultClient, tc.base, "1.0.0")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestBaseURL(t *testing.T) {
	t.Setenv("DEVENV_BASE_URL", "")
	if BaseURL() != ReleaseBaseURL {
		t.Errorf("default: %s", BaseURL())
	}
	t.Setenv("DEVENV_BASE_URL", "http://127.0.0.1:9/r/")
	if BaseURL() != "http://127.0.0.1:9/r" {
		t.Errorf("override: %s", BaseURL())
	}
}
