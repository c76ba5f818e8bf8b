package env

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/devenv/devenv/env/engine"
)

// The keys that shape how the container runs on the engine's machine, not what the
// image holds: forward (localhost ports, forward.go), gpus, and platform (which also
// shapes the image, so it is in the fingerprint).

// GPUs is the gpus key: none, all, a count, or all when the engine has a GPU runtime.
type GPUs struct {
	Auto  bool
	Count int // 0 none, -1 all, N that many
}

// String is the key as devenv.toml writes it, for messages.
func (g GPUs) String() string {
	switch {
	case g.Auto:
		return `"auto"`
	case g.Count < 0:
		return `"all"`
	}
	return strconv.Itoa(g.Count)
}

// decodeForward reads forward = [8888, "5173"]: container ports bound to 127.0.0.1
// inside that the host reaches on its own 127.0.0.1.
func decodeForward(d decoder, c *Config, key string, v any) error {
	list, ok := v.([]any)
	if !ok {
		return d.errf(key, "%q must be a list of port numbers, like forward = [8888, 5173]; got %s", key, describe(v))
	}
	for i, item := range list {
		var n int64
		var err error
		switch x := item.(type) {
		case int64:
			n = x
		case string:
			n, err = strconv.ParseInt(x, 10, 32)
		default:
			err = fmt.Errorf("not a number")
		}
		if err != nil || n < 1 || n > 65535 {
			return forwardItemError(d, key, item, "forward item %d (%s) must be a port number from 1 to 65535, like 8888", i+1, describe(item))
		}
		if slices.Contains(c.Forward, int(n)) {
			return forwardItemError(d, key, item, "forward lists port %d twice: name each port once", n)
		}
		c.Forward = append(c.Forward, int(n))
	}
	return nil
}

// forwardItemError places an error at the item of forward it is about: errItem
// places at a string's opening quote, and a number has none.
func forwardItemError(d decoder, key string, item any, format string, args ...any) error {
	err := d.errItem(key, fmt.Sprint(item), format, args...)
	if ce, ok := err.(*ConfigError); ok && ce.Line > 0 {
		if _, isNum := item.(int64); isNum {
			ce.Col++
		}
	}
	return err
}

// decodeGPUs reads gpus = "all" | "auto" | N.
func decodeGPUs(d decoder, c *Config, key string, v any) error {
	const want = `gpus = "all", gpus = "auto" (when the engine has a GPU runtime) or a count like gpus = 1`
	switch x := v.(type) {
	case string:
		switch x {
		case "all":
			c.GPUs = GPUs{Count: -1}
			return nil
		case "auto":
			c.GPUs = GPUs{Auto: true}
			return nil
		}
		if n, err := strconv.Atoi(x); err == nil && n > 0 {
			c.GPUs = GPUs{Count: n}
			return nil
		}
	case int64:
		if x > 0 && x < 1<<16 {
			c.GPUs = GPUs{Count: int(x)}
			return nil
		}
	}
	return d.errf(key, "gpus must be %s; got %s (leave the key out for none)", want, describe(v))
}

// decodePlatform reads platform = "linux/amd64".
func decodePlatform(d decoder, c *Config, key string, v any) error {
	s, err := d.str(key, v)
	if err != nil {
		return err
	}
	p, err := engine.ParsePlatform(s)
	if err != nil {
		return d.errf(key, "%v", err)
	}
	if p.OS != "linux" {
		return d.errf(key, "platform %q: devenv runs Linux containers only, like \"linux/amd64\" or \"linux/arm64\"", s)
	}
	c.Platform = s
	return nil
}
