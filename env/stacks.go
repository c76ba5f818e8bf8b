package env

import (
	"errors"
	"path/filepath"

	"github.com/devenv/devenv/env/detect"
)

// Templates are the stacks devenv knows; each gives defaults for the keys the user
// leaves out (found by env/detect from the project's files), and its own Dockerfile
// lines (templates/<name>.tmpl).
var Templates = detect.Names()

// DetectTemplate names the stack of the project at root from the files it holds:
// the first one Detect finds, or "generic".
func DetectTemplate(root string) string {
	res, err := detect.Detect(root)
	if err != nil || len(res.Stacks) == 0 {
		return "generic"
	}
	return res.Stacks[0].Name
}

// resolveStack works out the template called name for the project at root; a project
// file it cannot read is reported as a ConfigError in that file.
func resolveStack(root, name string) (*detect.Stack, error) {
	st, err := detect.Resolve(root, name)
	return st, placeDetectError(root, err)
}

// placeDetectError turns a detect.Error, which names a file relative to the root, into
// a ConfigError that names it the way every devenv error names a file.
func placeDetectError(root string, err error) error {
	var de *detect.Error
	if errors.As(err, &de) {
		return &ConfigError{Path: filepath.Join(root, filepath.FromSlash(de.File)), Line: de.Line, Msg: de.Msg}
	}
	return err
}
