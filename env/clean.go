package env

// Images and clean: what devenv built, and removing what is no longer needed.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/devenv/devenv/env/engine"
)

// EnvImage is one image devenv built.
type EnvImage struct {
	// Tag is devenv's tag for it (devenv/NAME:FINGERPRINT), or "<none>" when the tag
	// has moved to a newer build.
	Tag         string    `json:"tag"`
	ID          string    `json:"id"`
	Project     string    `json:"project"`
	Name        string    `json:"name"`
	Fingerprint string    `json:"fingerprint"`
	Current     bool      `json:"current"`
	Size        int64     `json:"size"`
	Created     time.Time `json:"created"`
	// OtherTags are the image's tags that devenv did not give it: someone else named
	// it, and clean leaves it alone.
	OtherTags []string `json:"other_tags,omitempty"`
	// UsedBy are the containers, running or not, made from it.
	UsedBy []string `json:"used_by,omitempty"`
}

// ImageQuery says whose images to list, and which image is current.
type ImageQuery struct {
	// Root is the project whose images to list; "" lists every project's.
	Root string
	// Current is the project and fingerprint of the image the current inputs give;
	// empty when unknown.
	CurrentRoot, CurrentFingerprint string
}

// ListImages lists the environment images devenv built (carrying its project and
// fingerprint labels), newest first. Only labels select them: an image named
// devenv/... without them is not devenv's.
func ListImages(ctx context.Context, eng Engine, q ImageQuery) ([]EnvImage, error) {
	list, err := eng.ImageSummaries(ctx, map[string]string{LabelProject: q.Root})
	if err != nil {
		return nil, err
	}
	containers, err := eng.Containers(ctx, nil)
	if err != nil {
		return nil, err
	}
	users := map[string][]string{}
	for _, c := range containers {
		users[c.ImageID] = append(users[c.ImageID], c.Name)
	}
	out := make([]EnvImage, 0, len(list))
	for _, im := range list {
		project := im.Labels[LabelProject]
		name, fp := im.Labels[LabelName], im.Labels[LabelFingerprint]
		// An environment image carries the project and its fingerprint; other images
		// devenv labels for a project (its services') are not listed or cleaned here.
		if project == "" || fp == "" || (q.Root != "" && project != q.Root) {
			continue
		}
		e := EnvImage{
			Tag: "<none>", ID: im.ID, Project: project, Name: name, Fingerprint: fp,
			Size: im.Size, Created: im.Created, UsedBy: users[im.ID],
		}
		own := ImageTag(name, fp)
		for _, t := range im.Tags {
			if t == own && name != "" && fp != "" {
				e.Tag = t
			} else {
				e.OtherTags = append(e.OtherTags, t)
			}
		}
		// The current image is the one under the current tag: not a dangling one the tag
		// has left (--rebuild), nor one built FROM it that inherited its labels.
		e.Current = e.Tag != "<none>" && q.CurrentFingerprint != "" && project == q.CurrentRoot && fp == q.CurrentFingerprint
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].Tag < out[j].Tag
	})
	return out, nil
}

// CleanOptions say which images clean removes.
type CleanOptions struct {
	ImageQuery
	// All removes every project's images, the current one included; otherwise only
	// Root's, except the current one.
	All    bool
	DryRun bool
}

// CleanReport is what clean removed (or, in a dry run, would remove) and what it kept.
type CleanReport struct {
	// Orphans are the fresh containers whose devenv is gone, removed first.
	Orphans []EnvContainer `json:"orphans"`
	Removed []EnvImage     `json:"removed"`
	Skipped []SkippedImage `json:"skipped"`
	// Freed is the sum of the removed images' sizes; shared layers may make the real
	// gain smaller.
	Freed int64 `json:"freed"`
	// CacheFreed is what pruning the build cache of devenv's steps whose images are
	// gone freed (or, in a dry run, would free): a removed image's layers stay on the
	// engine's disk in that cache.
	CacheFreed int64 `json:"build_cache_freed"`
	DryRun     bool  `json:"dry_run"`
	// Trees are the projects' synced tree volumes (engines that cannot see the
	// project): each removed once its files are back on the host, or kept, with why.
	Trees []TreeVolumeReport `json:"tree_volumes"`
}

// SkippedImage is an image clean kept, and why.
type SkippedImage struct {
	EnvImage
	Reason string `json:"reason"`
}

// Clean removes devenv's images of a project except the current one, or with All
// every devenv image. It never touches an image without devenv's labels, never one
// that a container uses, and never one someone else tagged.
func Clean(ctx context.Context, eng Engine, opt CleanOptions) (*CleanReport, error) {
	q := opt.ImageQuery
	if opt.All {
		q.Root = ""
	} else if q.Root == "" {
		return nil, errors.New("no project given: run clean in a project, or use --all")
	}
	rep := &CleanReport{Orphans: []EnvContainer{}, Removed: []EnvImage{}, Skipped: []SkippedImage{}, DryRun: opt.DryRun}
	var errs []error
	// Orphans first: the images they hold become free to go.
	containers, err := ListContainers(ctx, eng, q.Root)
	if err != nil {
		return nil, err
	}
	if !opt.DryRun {
		// Unused spares go first (not listed: they are started again by the next
		// command): none outlives a clean, and their images become free.
		roots := map[string]bool{}
		for _, c := range containers {
			if c.Spare && !roots[c.Project] {
				roots[c.Project] = true
				if _, err := removeSpares(ctx, eng, c.Project); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if q.Root != "" && !roots[q.Root] {
			// A spare ordered a moment ago is not started after the clean.
			if _, err := removeSpares(ctx, eng, q.Root); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, c := range containers {
		if !c.Orphaned {
			continue
		}
		if !opt.DryRun {
			if err := eng.RemoveContainer(ctx, c.ID, true); err != nil {
				errs = append(errs, fmt.Errorf("cannot remove the container %s: %w", c.Name, err))
				continue
			}
		}
		rep.Orphans = append(rep.Orphans, c)
	}
	// The trees before the images: syncing a volume back needs an image to read it.
	trees, err := cleanTrees(ctx, eng, q.Root, opt.DryRun)
	rep.Trees = trees
	if err != nil {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		errs = append(errs, err)
	}
	images, err := ListImages(ctx, eng, q)
	if err != nil {
		return nil, err
	}
	for _, im := range images {
		if im.Current && !opt.All {
			continue
		}
		ref := im.Tag
		switch {
		case len(im.UsedBy) > 0:
			rep.Skipped = append(rep.Skipped, SkippedImage{im, "in use by " + Plural(len(im.UsedBy), "container ", "containers ") + strings.Join(im.UsedBy, ", ")})
			continue
		case len(im.OtherTags) > 0:
			rep.Skipped = append(rep.Skipped, SkippedImage{im, "also tagged " + strings.Join(im.OtherTags, ", ") + ", not by devenv"})
			continue
		case ref == "<none>":
			ref = im.ID
		}
		if !opt.DryRun {
			err := eng.RemoveImageUnlessUsed(ctx, ref)
			var inUse *engine.ImageInUseError
			switch {
			case errors.As(err, &inUse):
				rep.Skipped = append(rep.Skipped, SkippedImage{im, "in use: " + inUse.Msg})
				continue
			case err != nil:
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				errs = append(errs, fmt.Errorf("cannot remove %s: %w", ref, err))
				continue
			}
		}
		rep.Removed = append(rep.Removed, im)
		rep.Freed += im.Size
	}
	freed, err := pruneBuildCache(ctx, eng, opt.DryRun)
	if err != nil && ctx.Err() != nil {
		return rep, ctx.Err()
	}
	rep.CacheFreed = freed
	return rep, errors.Join(append(errs, err)...)
}

// pruneBuildCache removes the build cache records of devenv's steps that no image and
// no build holds (their image was removed), and returns what that freed. An engine
// without a build cache (Podman) has nothing to prune.
func pruneBuildCache(ctx context.Context, eng Engine, dryRun bool) (int64, error) {
	records, err := eng.BuildCache(ctx)
	if err != nil {
		return 0, nil // listing the cache is best effort: images were what was asked
	}
	var freed int64
	for _, r := range records {
		if r.InUse || r.Shared || r.Type != "regular" || !devenvCacheStep(r.Description) {
			continue
		}
		if dryRun {
			freed += r.Size
			continue
		}
		n, err := eng.PruneBuildCache(ctx, r.ID)
		if err != nil {
			return freed, fmt.Errorf("cannot prune build cache record %s: %w", r.ID, err)
		}
		freed += n
	}
	return freed, nil
}
