package env

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// fpProject is a small python project with two dependency groups and files that are
// not dependencies.
func fpProject(t *testing.T) string {
	t.Helper()
	return newProject(t, `template = "python"
dependencies = ["requirements.txt", { files = ["web/package.json"], install = "cd web && npm ci" }]
install = "pip install -r requirements.txt"
`, map[string]string{
		"requirements.txt": "flask==3.0\n",
		"web/package.json": "{}",
		"app.py":           "print('hi')\n",
		"README.md":        "# readme\n",
	})
}

// fingerprint resolves, renders and fingerprints the project at cfgPath.
func fingerprint(t *testing.T, cfgPath string, host Host) string {
	t.Helper()
	s, err := resolveErr(t, cfgPath, host)
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewProject(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDockerfile(t, s, RenderOptions{BuildKit: true}, p.Dockerfile)
	return p.Fingerprint
}

func TestFingerprintStable(t *testing.T) {
	cfg := fpProject(t)
	first := fingerprint(t, cfg, testHost)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(first) {
		t.Errorf("fingerprint %q is not 16 hex digits", first)
	}
	for range 5 {
		if again := fingerprint(t, cfg, testHost); again != first {
			t.Fatalf("same inputs give fingerprints %s and %s", first, again)
		}
	}
	// Touching files changes no content: same fingerprint.
	root := filepath.Dir(cfg)
	later := time.Now().Add(time.Hour)
	for _, f := range []string{"requirements.txt", "web/package.json", ConfigFile} {
		if err := os.Chtimes(filepath.Join(root, filepath.FromSlash(f)), later, later); err != nil {
			t.Fatal(err)
		}
	}
	if again := fingerprint(t, cfg, testHost); again != first {
		t.Errorf("touching files changed the fingerprint")
	}
	// The same project elsewhere on disk is another checkout: an image of its own,
	// so one checkout's clean-up never touches the other's.
	if other := fingerprint(t, fpProject(t), testHost); other == first {
		t.Errorf("two checkouts of the same project share fingerprint %s", first)
	}
}

func TestFingerprintChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, root string) Host
	}{
		{"dependency content", func(t *testing.T, root string) Host {
			writeFiles(t, root, map[string]string{"requirements.txt": "flask==3.1\n"})
			return testHost
		}},
		{"dependency in a group content", func(t *testing.T, root string) Host {
			writeFiles(t, root, map[string]string{"web/package.json": `{"name":"web"}`})
			return testHost
		}},
		{"dependency renamed", func(t *testing.T, root string) Host {
			if err := os.Rename(filepath.Join(root, "web", "package.json"), filepath.Join(root, "web", "package2.json")); err != nil {
				t.Fatal(err)
			}
			rewriteConfig(t, root, "web/package.json", "web/package2.json")
			return testHost
		}},
		{"package added", func(t *testing.T, root string) Host {
			rewriteConfig(t, root, `template = "python"`, "template = \"python\"\npackages = [\"git\"]")
			return testHost
		}},
		{"install changed", func(t *testing.T, root string) Host {
			rewriteConfig(t, root, "pip install -r requirements.txt", "pip install -U -r requirements.txt")
			return testHost
		}},
		// [env] values reach the build only when an install step may need them
		// (envstart.go); TestFingerprintIgnoresRunEnv has the others.
		{"build env added", func(t *testing.T, root string) Host {
			rewriteConfig(t, root, `install = "pip install -r requirements.txt"`, "install = \"pip install -r requirements.txt\"\n[build.env]\nA = \"1\"")
			return testHost
		}},
		{"package index added", func(t *testing.T, root string) Host {
			rewriteConfig(t, root, `install = "pip install -r requirements.txt"`, "install = \"pip install -r requirements.txt\"\n[env]\nPIP_INDEX_URL = \"http://127.0.0.1/simple/\"")
			return testHost
		}},
		{"env named by an install step", func(t *testing.T, root string) Host {
			rewriteConfig(t, root, `install = "pip install -r requirements.txt"`, "install = \"pip install -r requirements.txt $EXTRA\"\n[env]\nEXTRA = \"-q\"")
			return testHost
		}},
		{"host uid", func(t *testing.T, root string) Host {
			h := testHost
			h.UID = 1001
			return h
		}},
		{"host gid", func(t *testing.T, root string) Host {
			h := testHost
			h.GID = 1001
			return h
		}},
		{"host root", func(t *testing.T, root string) Host {
			return Host{UID: 0, GID: 0, UserName: "root"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fpProject(t)
			before := fingerprint(t, cfg, testHost)
			host := tt.change(t, filepath.Dir(cfg))
			if after := fingerprint(t, cfg, host); after == before {
				t.Errorf("fingerprint %s did not change", before)
			}
		})
	}
}

func TestFingerprintIgnoresOtherFiles(t *testing.T) {
	cfg := fpProject(t)
	before := fingerprint(t, cfg, testHost)
	root := filepath.Dir(cfg)
	writeFiles(t, root, map[string]string{"app.py": "print('changed')\n", "new.txt": "x", "src/lib/mod.py": ""})
	if err := os.Remove(filepath.Join(root, "README.md")); err != nil {
		t.Fatal(err)
	}
	if after := fingerprint(t, cfg, testHost); after != before {
		t.Errorf("changing files that are not dependencies changed the fingerprint")
	}
	// A comment in devenv.toml renders the same Dockerfile.
	rewriteConfig(t, root, `template = "python"`, "# a comment\ntemplate = \"python\"  # python")
	if after := fingerprint(t, cfg, testHost); after != before {
		t.Errorf("a comment in devenv.toml changed the fingerprint")
	}
}

// TestFingerprintFileBoundaries: moving bytes from one dependency file to the next
// is a change, though the concatenated contents are the same.
func TestFingerprintFileBoundaries(t *testing.T) {
	src := "dependencies = [\"a.txt\", \"b.txt\"]\n"
	one := fingerprint(t, newProject(t, src, map[string]string{"a.txt": "ab", "b.txt": "c"}), testHost)
	two := fingerprint(t, newProject(t, src, map[string]string{"a.txt": "a", "b.txt": "bc"}), testHost)
	if one == two {
		t.Errorf("moving a byte between dependency files keeps fingerprint %s", one)
	}
}

func TestFingerprintMissingDependency(t *testing.T) {
	cfg := fpProject(t)
	s, err := resolveErr(t, cfg, testHost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Root, "requirements.txt")); err != nil {
		t.Fatal(err)
	}
	_, err = NewProject(s, RenderOptions{BuildKit: true})
	wantErr(t, err, "cannot read dependency requirements.txt")
}

func TestImageTag(t *testing.T) {
	if got := ImageTag("my-app", "0123456789abcdef"); got != "devenv/my-app:0123456789abcdef" {
		t.Errorf("ImageTag = %q", got)
	}
}

// tarEntry is one file of a build context.
type tarEntry struct {
	hdr  *tar.Header
	body string
}

// readTar reads a build context, failing the test on a malformed stream.
func readTar(t testing.TB, r io.Reader) (names []string, entries map[string]tarEntry) {
	t.Helper()
	entries = map[string]tarEntry{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, entries
		}
		if err != nil {
			t.Fatalf("build context is not a tar stream: %v", err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
		entries[hdr.Name] = tarEntry{hdr: hdr, body: string(body)}
	}
}

func TestWriteBuildContext(t *testing.T) {
	for _, withCA := range []bool{false, true} {
		name := "no CA"
		if withCA {
			name = "CA"
		}
		t.Run(name, func(t *testing.T) {
			big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
			cfg := newProject(t, `template = "node"
dependencies = ["package.json", "package-lock.json", "libs/*/package.json"]
install = "npm ci"
`, map[string]string{
				"package.json":           `{"name":"x"}`,
				"package-lock.json":      `{"lockfileVersion":3}`,
				"libs/a/package.json":    `{"name":"a"}`,
				"libs/b/package.json":    `{"name":"b"}`,
				"libs/b/index.js":        "module.exports = 1\n",
				"node_modules/x/big.bin": big,
				"data/huge.csv":          big,
				".git/HEAD":              "ref: refs/heads/main\n",
				".env":                   "SECRET=1\n",
			})
			host := testHost
			caText := "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
			if withCA {
				host.CABundle = filepath.Join(t.TempDir(), "bundle.crt")
				if err := os.WriteFile(host.CABundle, []byte(caText), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := resolveErr(t, cfg, host)
			if err != nil {
				t.Fatal(err)
			}
			p, err := NewProject(s, RenderOptions{BuildKit: true})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := WriteBuildContext(&buf, s, p.Dockerfile); err != nil {
				t.Fatal(err)
			}
			if buf.Len() > 64<<10 {
				t.Errorf("build context is %d bytes: it holds more than the manifests", buf.Len())
			}
			names, entries := readTar(t, bytes.NewReader(buf.Bytes()))
			want := map[string]string{
				".devenv/Dockerfile":  p.Dockerfile,
				"package.json":        `{"name":"x"}`,
				"package-lock.json":   `{"lockfileVersion":3}`,
				"libs/a/package.json": `{"name":"a"}`,
				"libs/b/package.json": `{"name":"b"}`,
			}
			// The CA bundle is a build secret, never part of the context.
			_ = withCA
			if got := slices.Sorted(maps.Keys(entries)); !slices.Equal(got, slices.Sorted(maps.Keys(want))) || len(names) != len(want) {
				t.Fatalf("build context holds %q, want exactly %q", names, slices.Sorted(maps.Keys(want)))
			}
			if names[0] != DockerfilePath {
				t.Errorf("first entry is %s, want the Dockerfile", names[0])
			}
			for n, body := range want {
				e := entries[n]
				if e.body != body {
					t.Errorf("%s holds %q, want %q", n, e.body, body)
				}
				if e.hdr.Typeflag != tar.TypeReg || e.hdr.Mode != 0o644 || !e.hdr.ModTime.Equal(time.Unix(0, 0)) || e.hdr.Uid != 0 || e.hdr.Uname != "" {
					t.Errorf("%s header %+v: want a plain 0644 file at the epoch", n, e.hdr)
				}
			}
		})
	}
}

func TestWriteBuildContextDeterministic(t *testing.T) {
	cfg := fpProject(t)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("cert"), 0o644); err != nil {
		t.Fatal(err)
	}
	host := testHost
	host.CABundle = ca
	write := func() []byte {
		s, err := resolveErr(t, cfg, host)
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewProject(s, RenderOptions{BuildKit: true})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteBuildContext(&buf, s, p.Dockerfile); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	first := write()
	// New times and modes on the files change nothing in the stream.
	root := filepath.Dir(cfg)
	later := time.Now().Add(48 * time.Hour)
	for _, f := range []string{"requirements.txt", "web/package.json"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(ca, later, later); err != nil {
		t.Fatal(err)
	}
	if second := write(); !bytes.Equal(first, second) {
		t.Errorf("the same inputs give different build contexts (%d and %d bytes)", len(first), len(second))
	}
}

func TestBuildSecretsMissingCABundle(t *testing.T) {
	s := mustResolve(t, "", nil, Host{UID: 1000, GID: 1000, CABundle: filepath.Join(t.TempDir(), "gone.pem")})
	_, err := BuildSecrets(s, true)
	wantErr(t, err, "cannot read the host's CA bundle", "gone.pem", "set trust_host_ca = false to build without it")
}

func TestWriteBuildContextMissingDependency(t *testing.T) {
	cfg := fpProject(t)
	s, err := resolveErr(t, cfg, testHost)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.Root, "web", "package.json")); err != nil {
		t.Fatal(err)
	}
	err = WriteBuildContext(io.Discard, s, "FROM x\n")
	wantErr(t, err, "cannot read dependency web/package.json")
}

// A project file under .devenv/ must not take the place of devenv's own Dockerfile
// or CA files in the build context.
func TestWriteBuildContextNoDuplicateNames(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("cert"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := newProject(t, "dependencies = [\".devenv/*\"]\n", map[string]string{
		".devenv/Dockerfile": "FROM evil\nRUN evil\n",
		".devenv/ca.pem":     "evil",
		".devenv/ca.sh":      "evil",
	})
	host := testHost
	host.CABundle = ca
	s, err := resolveErr(t, cfg, host)
	if err != nil {
		return // refused: fine
	}
	p, err := NewProject(s, RenderOptions{BuildKit: true})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteBuildContext(&buf, s, p.Dockerfile); err != nil {
		return
	}
	names, entries := readTar(t, &buf)
	if len(names) != len(entries) {
		t.Errorf("build context has duplicate entries: %q", names)
	}
}

// rewriteConfig replaces old with new in the project's devenv.toml.
func rewriteConfig(t *testing.T, root, old, new string) {
	t.Helper()
	p := filepath.Join(root, ConfigFile)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("devenv.toml does not hold %q", old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
