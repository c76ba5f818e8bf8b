package env

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// Commit and Date are stamped at link time by the release build (.goreleaser.yaml),
// as Version is; a build from source leaves them empty.
var (
	Commit = ""
	Date   = ""
)

// ReleaseBaseURL is where the release files are published: the install scripts and
// `devenv version --check` read from it unless DEVENV_BASE_URL names another place
// (a mirror, or the loopback server of the tests). GitHub serves the newest release's
// files under latest/download/, so one address serves every release.
const ReleaseBaseURL = "https://github.com/devenv/devenv/releases/latest/download"

// LatestFile is the file, beside the archives and checksums.txt, that holds the
// newest release's version on one line (scripts/release.sh writes it).
const LatestFile = "latest"

// BaseURL is the release base URL in effect: DEVENV_BASE_URL, else ReleaseBaseURL.
func BaseURL() string {
	if u := strings.TrimSpace(os.Getenv("DEVENV_BASE_URL")); u != "" {
		return strings.TrimRight(u, "/")
	}
	return ReleaseBaseURL
}

// UpdateCheck is what a check for a newer release found.
type UpdateCheck struct {
	Current string `json:"current"`
	Latest  string `json:"latest"`
	// Newer is true when Latest is a newer release than Current.
	Newer bool `json:"newer"`
	// Dev is true when Current is not a release (a build from source).
	Dev bool   `json:"dev"`
	URL string `json:"url"`
}

// checkTimeout bounds the whole check: it is asked for, and still must not hang on a
// server that accepts and never answers.
const checkTimeout = 5 * time.Second

// CheckForUpdate asks base/latest for the newest release and compares it with current.
func CheckForUpdate(ctx context.Context, client *http.Client, base, current string) (UpdateCheck, error) {
	u := strings.TrimRight(base, "/") + "/" + LatestFile
	res := UpdateCheck{Current: current, URL: u}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return res, fmt.Errorf("cannot ask %s: %w", u, err)
	}
	req.Header.Set("User-Agent", "devenv/"+current)
	resp, err := client.Do(req)
	if err != nil {
		return res, fmt.Errorf("cannot reach %s: %v", u, shortNetError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return res, fmt.Errorf("%s answered %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256))
	if err != nil {
		return res, fmt.Errorf("reading %s: %v", u, shortNetError(err))
	}
	latest := strings.TrimSpace(string(body))
	if !semver.IsValid(canonicalV(latest)) {
		return res, fmt.Errorf("%s says %q, not a version", u, firstLine(latest))
	}
	res.Latest = strings.TrimPrefix(latest, "v")
	cur := canonicalV(current)
	// A build from source says "dev": there is nothing to compare. A snapshot build
	// (1.3.1-dev.abc1234) compares as semver says: before 1.3.1, after 1.3.0.
	if !semver.IsValid(cur) {
		res.Dev = true
		return res, nil
	}
	res.Newer = semver.Compare(canonicalV(latest), cur) > 0
	return res, nil
}

// canonicalV puts the "v" that golang.org/x/mod/semver wants in front of a version.
func canonicalV(v string) string {
	if v == "" || strings.HasPrefix(v, "v") {
		return v
	}
	return "v" + v
}

// shortNetError drops the method and address Go repeats in a *url.Error: the caller
// names the address once.
func shortNetError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}
