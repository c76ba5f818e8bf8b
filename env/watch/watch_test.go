package watch

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"
)

// fakeClock fires its timers only when the test advances it, so debounce tests never
// sleep.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	calls  int // After calls so far
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	ch := make(chan time.Time, 1)
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			t.ch <- c.now
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

// waitTimers waits until the debouncer has asked for n timers in all: it runs in its
// own goroutine, so the test must not advance the clock before it has.
func (c *fakeClock) waitTimers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second) // a hang guard, not a bound
	for time.Now().Before(deadline) {
		c.mu.Lock()
		got := c.calls
		c.mu.Unlock()
		if got >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("debouncer set fewer than %d timers", n)
}

func TestDebounceBurstIsOneBatch(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	in := make(chan string)
	out := Debounce(t.Context(), in, 100*time.Millisecond, 2*time.Second, clock)

	// Ten writes 10 ms apart, to three files, as a branch switch would make.
	for i := range 10 {
		in <- []string{"go.sum", "go.mod", "package-lock.json"}[i%3]
		clock.waitTimers(t, i+2)
		clock.Advance(10 * time.Millisecond)
	}
	select {
	case b := <-out:
		t.Fatalf("batch %v delivered before the files were quiet", b)
	default:
	}
	clock.Advance(100 * time.Millisecond)
	select {
	case b := <-out:
		if want := []string{"go.mod", "go.sum", "package-lock.json"}; !reflect.DeepEqual(b, want) {
			t.Fatalf("batch = %v, want %v", b, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no batch after the quiet period")
	}
}

func TestDebounceNeverWaitsPastMaxWait(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	in := make(chan string)
	out := Debounce(t.Context(), in, 100*time.Millisecond, 300*time.Millisecond, clock)
	// A file written every 50 ms forever would starve a pure quiet-period debounce.
	for i := 0; i < 20; i++ {
		select {
		case b := <-out:
			if !reflect.DeepEqual(b, []string{"deps.txt"}) {
				t.Fatalf("batch = %v", b)
			}
			if elapsed := clock.Now().Sub(time.Unix(0, 0)); elapsed > 300*time.Millisecond {
				t.Fatalf("batch after %s, want at most the 300ms maximum wait", elapsed)
			}
			return
		case in <- "deps.txt":
			clock.waitTimers(t, i+2)
			clock.Advance(50 * time.Millisecond)
		}
	}
	t.Fatal("no batch while the file kept changing")
}

func TestInputsDirsAndMatch(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "web"), 0o755); err != nil {
		t.Fatal(err)
	}
	in := Inputs{Root: root, Patterns: []string{"devenv.toml", "web/package.json", "requirements/*.txt", "services/api/go.sum"}}
	// Only directories that hold inputs, never the tree; missing ones fall back to
	// their nearest existing parent so their creation is seen.
	if got, want := in.Dirs(), []string{root, filepath.Join(root, "web")}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Dirs() = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"devenv.toml", true},
		{"web/package.json", true},
		{"requirements/dev.txt", true},
		{"requirements", true}, // the directory appearing
		{"services", true},
		{"web/index.js", false},
		{"README.md", false},
		{"requirements/dev.txt.swp", false},
		{"web/.#package.json", false},
	} {
		_, ok := in.Match(filepath.Join(root, filepath.FromSlash(tc.name)))
		if ok != tc.want {
			t.Errorf("Match(%s) = %v, want %v", tc.name, ok, tc.want)
		}
	}
}

func TestEphemeral(t *testing.T) {
	for _, name := range []string{"go.sum.swp", "4913", "package.json~", ".#Gemfile", "#Gemfile#", ".goutputstream-ABC", "requirements.txt.tmp.123"} {
		if !Ephemeral(name) {
			t.Errorf("Ephemeral(%q) = false", name)
		}
	}
	for _, name := range []string{"go.sum", "package-lock.json", "Cargo.lock", "requirements-dev.txt"} {
		if Ephemeral(name) {
			t.Errorf("Ephemeral(%q) = true", name)
		}
	}
}

// The watcher sees a file that an editor replaces by renaming over it, and a file a
// glob matches once it is created.
func TestWatcherSeesAtomicSaveAndNewGlobMatch(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.sum", "a\n")
	w, err := New(Inputs{Root: root, Patterns: []string{"devenv.toml", "go.sum", "reqs/*.txt"}})
	if err != nil {
		t.Fatal(err)
	}
	go w.Run(t.Context())
	expect := func(want string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case got := <-w.Events():
				if got == want {
					return
				}
			case <-deadline:
				t.Fatalf("no event for %s", want)
			}
		}
	}
	write("go.sum.new", "b\n")
	if err := os.Rename(filepath.Join(root, "go.sum.new"), filepath.Join(root, "go.sum")); err != nil {
		t.Fatal(err)
	}
	expect("go.sum")

	if err := os.Mkdir(filepath.Join(root, "reqs"), 0o755); err != nil {
		t.Fatal(err)
	}
	expect("reqs")
	write("reqs/dev.txt", "pytest\n")
	expect("reqs/dev.txt")
	if got := len(w.WatchedDirs()); got != 2 {
		t.Errorf("watching %d directories, want 2 (root and reqs)", got)
	}
}
