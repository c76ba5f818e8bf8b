package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/devenv/devenv/env"
	"github.com/devenv/devenv/env/iostreams"
)

func TestVersionCheck(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("99.0.0\n"))
	}))
	defer srv.Close()
	t.Setenv("DEVENV_BASE_URL", srv.URL)
	ios, _, out, errOut := iostreams.Test()
	if err := versionCheckRun(t.Context(), &versionOptions{io: ios}, srv.Client()); err != nil {
		t.Fatal(err)
	}
	want := "devenv " + env.Version + " is a build from source; the latest release is 99.0.0\n"
	if out.String() != want || errOut.Len() != 0 {
		t.Errorf("stdout %q stderr %q, want %q", out, errOut, want)
	}
}

// A release page that cannot be reached is one line on stderr and no error: the
// check did not run, devenv did not fail.
func TestVersionCheckDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DEVENV_BASE_URL", "http://"+l.Addr().String())
	l.Close()
	ios, _, out, errOut := iostreams.Test()
	if err := versionCheckRun(t.Context(), &versionOptions{io: ios}, nil); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || strings.Count(errOut.String(), "\n") != 1 || !strings.Contains(errOut.String(), "cannot check for a newer release: cannot reach http://") {
		t.Errorf("stdout %q stderr %q", out, errOut)
	}
}

func TestStampNote(t *testing.T) {
	if got := stampNote("0123456789abcdef", "2026-11-25T10:00:00Z"); got != " (commit 0123456789ab, 2026-11-25T10:00:00Z)" {
		t.Errorf("got %q", got)
	}
	if got := stampNote("", ""); got != "" {
		t.Errorf("got %q", got)
	}
}
