package env

import (
	"context"
	"fmt"
	"time"

	"github.com/devenv/devenv/env/filesync"
)

// SyncReport is what `devenv sync` shows: how the tree reaches the container and,
// in synced mode, where the sync stands.
type SyncReport struct {
	Access  TreeAccess `json:"access"`
	Volume  string     `json:"volume,omitempty"`
	State   string     `json:"state_file,omitempty"`
	Synced  bool       `json:"synced_before"`
	Last    time.Time  `json:"last_sync,omitzero"`
	Files   int        `json:"files"`
	Pending []string   `json:"pending_host_changes"`
	// Conflicts are the files changed on both sides, with where both versions are.
	Conflicts   []filesync.Conflict `json:"conflicts"`
	Interrupted string              `json:"interrupted,omitempty"`
}

// Sync reports the project's sync with the engine, asking the engine afresh whether
// it sees the project.
func Sync(ctx context.Context, eng Engine, p *Project) (*SyncReport, error) {
	a, err := DetectTreeMode(ctx, eng, p, true)
	if err != nil {
		return nil, err
	}
	r := &SyncReport{Access: a, Pending: []string{}, Conflicts: []filesync.Conflict{}}
	if a.Mode != SyncedVolume {
		return r, nil
	}
	r.Volume = TreeVolume(p.Spec)
	if r.State, err = SyncStatePath(a.Endpoint, p.Spec.Root); err != nil {
		return nil, err
	}
	st, err := filesync.LoadState(r.State)
	if err != nil {
		return nil, err
	}
	r.Synced, r.Last, r.Files, r.Interrupted = !st.LastSync.IsZero(), st.LastSync, len(st.Files), st.Interrupted
	if st.Conflicts != nil {
		r.Conflicts = st.Conflicts
	}
	if r.Synced {
		if r.Pending, err = filesync.PendingHost(p.Spec.Root, st); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// DescribeTree is status's line on how the tree reaches the container; an image not
// built yet cannot be asked with, so it says when that is decided.
func DescribeTree(ctx context.Context, eng Engine, p *Project) string {
	if ok, err := eng.ImageExists(ctx, p.Tag); err != nil || !ok {
		return "decided at the first run (devenv asks the engine whether it sees " + p.Spec.Root + ")"
	}
	a, err := DetectTreeMode(ctx, eng, p, false)
	if err != nil {
		return "unknown: " + oneLine(err)
	}
	if a.Mode == SyncedVolume {
		return fmt.Sprintf("%s %s (%s)", a.Mode, TreeVolume(p.Spec), a.Why)
	}
	return fmt.Sprintf("%s (%s)", a.Mode, a.Why)
}

// treeFinding is doctor's check of how the tree reaches the container, asked afresh.
func treeFinding(ctx context.Context, eng Engine, p *Project, engineUp, fresh bool) (Finding, TreeMode) {
	const check = "files"
	switch {
	case p == nil:
		return Finding{Check: check, Status: SeveritySkip, Message: "needs a valid project"}, ""
	case !engineUp:
		return Finding{Check: check, Status: SeveritySkip, Message: "cannot ask the engine whether it sees the project without the engine"}, ""
	case !fresh:
		return Finding{Check: check, Status: SeveritySkip, Message: "asked with the project's image, not built for the current inputs", Fix: "run `devenv build`, then `devenv doctor` again"}, ""
	}
	a, err := DetectTreeMode(ctx, eng, p, true)
	if err != nil {
		return Finding{Check: check, Status: SeverityFail, Message: oneLine(err)}, ""
	}
	if a.Mode == SyncedVolume {
		return Finding{Check: check, Status: SeverityOK, Message: fmt.Sprintf("synced volume %s: %s, so the tree is synced both ways while a command runs (devenv sync shows the state)", TreeVolume(p.Spec), a.Why)}, a.Mode
	}
	return Finding{Check: check, Status: SeverityOK, Message: "bind mount: " + a.Why}, a.Mode
}
