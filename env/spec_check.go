package env

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// The small checks Resolve applies to single values, and the name a project gets from
// its directory.

// checkEnvVar refuses a variable name a shell cannot export and a value of more than
// one line, which an environment file or ENV instruction cannot hold.
func checkEnvVar(name, value string) error {
	if !envNameRe.MatchString(name) {
		return fmt.Errorf("name %q must be letters, digits and _ and not start with a digit", name)
	}
	if strings.ContainsAny(value, "\x00\r\n") {
		return fmt.Errorf("%s holds a line break: environment values must be one line", name)
	}
	return nil
}

// checkCommand refuses commands that cannot be what the user meant. Everything else is
// allowed: commands reach the Dockerfile as one JSON string, so no character in them can
// end their instruction or start another.
func checkCommand(cmd string) error {
	if strings.TrimSpace(cmd) == "" {
		return errors.New("is empty")
	}
	if strings.ContainsRune(cmd, 0) {
		return errors.New("holds a NUL character")
	}
	return nil
}

// nameFromDir makes an image name from the project directory's name.
func nameFromDir(dir string) string {
	base := strings.ToLower(filepath.Base(dir))
	var b strings.Builder
	lastSep := true
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			lastSep = false
		case !lastSep:
			b.WriteByte('-')
			lastSep = true
		}
	}
	name := strings.Trim(b.String(), "-")
	if name == "" {
		return "project"
	}
	return name
}
