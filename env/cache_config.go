package env

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// The shared cache's keys: cache = "REGISTRY/PATH" and cache_push, in devenv.toml and
// in the user's own config. The user's config wins where it sets a key: whether this
// machine pulls from or pushes to a registry is the user's choice (a classroom's
// mirror, CI's push rights), as their identity switches are.

// checkCache checks a cache value: a registry and a path, no tag or digest (devenv
// adds NAME:FINGERPRINT itself).
func checkCache(v string) error {
	const want = `a registry and path like cache = "registry.example.com/team/devenv-cache"`
	named, err := reference.ParseNormalizedNamed(v)
	if err != nil {
		return fmt.Errorf("cache %q must be %s", v, want)
	}
	if _, tagged := named.(reference.Tagged); tagged {
		return fmt.Errorf("cache %q must not name a tag: devenv tags each image with its fingerprint; write %s", v, want)
	}
	if _, digested := named.(reference.Digested); digested {
		return fmt.Errorf("cache %q must not name a digest: write %s", v, want)
	}
	return nil
}

func decodeCache(d decoder, c *Config, key string, v any) (err error) {
	if c.Cache, err = d.str(key, v); err != nil {
		return err
	}
	if c.Cache = strings.TrimSpace(c.Cache); c.Cache != "" {
		if err := checkCache(c.Cache); err != nil {
			return d.errf(key, "%v", err)
		}
	}
	return nil
}

func decodeCachePush(d decoder, c *Config, key string, v any) error {
	b, err := d.boolean(key, v)
	c.CachePush = &b
	return err
}

func decodeUserCache(d decoder, u *UserConfig, key string, v any) error {
	s, err := d.str(key, v)
	if err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s != "" {
		if err := checkCache(s); err != nil {
			return d.errf(key, "%v (an empty string turns the cache off)", err)
		}
	}
	u.Cache = &s
	return nil
}

func decodeUserCachePush(d decoder, u *UserConfig, key string, v any) error {
	b, err := d.boolean(key, v)
	u.CachePush = &b
	return err
}

// resolveCache settles the cache keys: the user's config over devenv.toml, off by
// default; a prebuilt image (the image key) or the project's own Dockerfile is never
// cached.
func resolveCache(c *Config, d decoder, u *UserConfig, s *Spec) error {
	s.Cache = c.Cache
	if c.Cache != "" {
		s.Origins["cache"] = FromProject
	}
	if u != nil && u.Cache != nil {
		s.Cache = *u.Cache
		s.Origins["cache"] = FromUser
	}
	if c.CachePush != nil {
		s.CachePush = *c.CachePush
	}
	if u != nil && u.CachePush != nil {
		s.CachePush = *u.CachePush
	}
	if s.CachePush && s.Cache == "" && c.CachePush != nil && *c.CachePush {
		return d.errf("cache_push", "cache_push = true needs a cache to push to: set cache = \"registry.example.com/team/devenv-cache\"")
	}
	return nil
}
