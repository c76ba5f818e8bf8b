package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// TreeVolumeReport is one project's tree volume that clean removed (after syncing it
// back to the host), or kept, and why.
type TreeVolumeReport struct {
	Volume  string `json:"volume"`
	Project string `json:"project"`
	// Pulled is how many files came back to the host before the volume went.
	Pulled int `json:"files_synced_back"`
	// Kept says why the volume was kept ("" when it was removed, or would be).
	Kept string `json:"kept,omitempty"`
	// Conflicts are files changed on both sides: both copies are now on the host.
	Conflicts []string `json:"conflicts,omitempty"`
}

// cleanTrees removes the tree volumes of root's project (every project's when root is
// ""), but never one holding a file the host does not have: each is synced back to
// its project first, and kept, with the reason, when that cannot be done (the project
// is not on this machine, an environment of it runs, the engine has no image to read
// it with, the sync failed). The sync's state goes with the volume, so the next run
// uploads afresh.
func cleanTrees(ctx context.Context, eng Engine, root string, dryRun bool) ([]TreeVolumeReport, error) {
	labels := map[string]string{LabelTree: ""}
	if root != "" {
		labels[LabelProject] = root
	}
	vols, err := eng.Volumes(ctx, labels)
	if err != nil {
		return nil, err
	}
	info, err := eng.Ping(ctx)
	if err != nil {
		return nil, err
	}
	out := []TreeVolumeReport{}
	var errs []error
	for _, v := range vols {
		project := v.Labels[LabelTree]
		if project == "" || (root != "" && v.Labels[LabelProject] != root) {
			continue // the engine filtered already; never a volume not ours
		}
		r := TreeVolumeReport{Volume: v.Name, Project: project}
		r.Kept, err = cleanTree(ctx, eng, info.Endpoint, v.Name, v.Labels[LabelName], project, dryRun, &r)
		if err != nil {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// cleanTree syncs one tree volume back and removes it; kept is why it stays.
func cleanTree(ctx context.Context, eng Engine, endpoint, volume, name, root string, dryRun bool, r *TreeVolumeReport) (kept string, err error) {
	if _, err := os.Stat(root); err != nil {
		return fmt.Sprintf("its project %s is not on this machine, so what is in it cannot be synced back; clean it where the project is, or `docker volume rm %s` if nothing in it is needed", root, volume), nil
	}
	cs, err := ListContainers(ctx, eng, root)
	if err != nil {
		return "", err
	}
	for _, c := range cs {
		if c.Running() {
			return fmt.Sprintf("an environment of %s runs (%s) and uses it; stop it (devenv stop), then clean again", root, c.Name), nil
		}
	}
	image, err := anyImage(ctx, eng, root)
	if err != nil {
		return "", err
	}
	if image == "" {
		return fmt.Sprintf("the engine has no devenv image to read it with; run `devenv build` in %s, then clean again", root), nil
	}
	if dryRun {
		return "", nil
	}
	uid, gid := os.Getuid(), os.Getgid()
	t := treeTarget{
		root: root, name: name, workdir: "/devenv-tree", uid: uid, gid: gid, image: image,
		labels:          map[string]string{LabelProject: root, LabelName: name, LabelVersion: Version, LabelTree: root},
		containerLabels: map[string]string{LabelProject: root, LabelName: name, LabelVersion: Version, LabelContainer: "sync"},
	}
	ts, err := openTree(ctx, eng, endpoint, volume, t, io.Discard)
	var busy *errSyncBusy
	if errors.As(err, &busy) {
		return "another devenv syncs it now; clean again when that command has ended", nil
	}
	if err != nil {
		return fmt.Sprintf("it could not be read to sync it back (%s); nothing was removed", oneLine(err)), nil
	}
	before := len(ts.syncer.State().Conflicts)
	err = ts.syncer.Full(ctx)
	_, r.Pulled = ts.syncer.Counts()
	for _, c := range ts.syncer.State().Conflicts[before:] {
		r.Conflicts = append(r.Conflicts, fmt.Sprintf("%s: both kept, as %s and %s", c.Path, c.HostCopy, c.ContainerCopy))
	}
	ts.close(ctx)
	if err != nil {
		return fmt.Sprintf("syncing it back to %s did not finish (%s); nothing was removed", root, oneLine(err)), nil
	}
	if err := eng.RemoveVolume(ctx, volume); err != nil {
		return "", fmt.Errorf("cannot remove the volume %s (its files are synced back to %s): %w", volume, root, err)
	}
	if p, err := SyncStatePath(endpoint, root); err == nil {
		_ = os.Remove(p)
		_ = os.Remove(p + ".lock")
	}
	return "", nil
}

// anyImage is an image of the project's, else any devenv image: what the helper that
// reads a tree volume runs (it needs a POSIX sh, find, stat and sha256sum).
func anyImage(ctx context.Context, eng Engine, root string) (string, error) {
	for _, q := range []ImageQuery{{Root: root}, {}} {
		list, err := ListImages(ctx, eng, q)
		if err != nil {
			return "", err
		}
		for _, im := range list {
			if im.Tag != "<none>" {
				return im.Tag, nil
			}
		}
	}
	return "", nil
}
