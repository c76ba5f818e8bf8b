package env

// localFree: on Windows the engine's data root lives in its own VM, out of sight.
func localFree(endpoint, dir string) (total, free int64, ok bool) { return 0, 0, false }
