package engine

import (
	"context"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/filters"
)

// CacheRecord is one record of the engine's build cache: a step's result, which may
// hold a layer's files long after the image that used it was removed.
type CacheRecord struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	Description string `json:"description"`
	// InUse: a build uses it now; Shared: an image (or another record) holds its data,
	// so removing the record frees nothing.
	InUse  bool  `json:"in_use"`
	Shared bool  `json:"shared"`
	Size   int64 `json:"size"`
}

// BuildCache lists the engine's build cache; an engine without one has none.
func (d *Docker) BuildCache(ctx context.Context) ([]CacheRecord, error) {
	du, err := d.cli.DiskUsage(ctx, types.DiskUsageOptions{Types: []types.DiskUsageObject{types.BuildCacheObject}})
	if err != nil {
		return nil, d.wrap(err)
	}
	out := make([]CacheRecord, 0, len(du.BuildCache))
	for _, r := range du.BuildCache {
		out = append(out, CacheRecord{ID: r.ID, Type: r.Type, Description: r.Description, InUse: r.InUse, Shared: r.Shared, Size: r.Size})
	}
	return out, nil
}

// PruneBuildCache removes the build cache record id and returns the space the engine
// says it freed.
func (d *Docker) PruneBuildCache(ctx context.Context, id string) (int64, error) {
	rep, err := d.cli.BuildCachePrune(ctx, build.CachePruneOptions{All: true, Filters: filters.NewArgs(filters.Arg("id", id))})
	if err != nil {
		return 0, d.wrap(err)
	}
	return int64(rep.SpaceReclaimed), nil
}
