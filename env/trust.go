package env

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Trust, as direnv's `direnv allow`: a devenv.toml that reaches outside its project
// (a host path mounted, a host variable passed, the engine's socket) runs only after
// the user ran `devenv allow` for this project and exactly these requests. A change
// to any of them asks again. A project that asks for nothing never asks.
//
// What the user's own config turns on (identity) is the user's choice and is not
// asked about; a repository can only turn identity off (identity.go).

// Asks are what the project asks for beyond its own tree, one line each, in
// devenv.toml's order. Another feature that reaches outside adds its lines here.
func Asks(s *Spec) []string {
	var asks []string
	for _, m := range s.Mounts {
		if !m.Outside || m.FromUser {
			continue
		}
		mode := "read-only"
		if !m.ReadOnly {
			mode = "read-write"
		}
		asks = append(asks, fmt.Sprintf("mounts: your %s at %s, %s", m.Source, m.Target, mode))
	}
	if s.AllowEngineSocket {
		asks = append(asks, "allow_engine_socket: a mount may hold the engine's socket (control of the engine and the host)")
	}
	for _, k := range s.PassEnv {
		asks = append(asks, fmt.Sprintf("pass_env: your $%s", k))
	}
	return append(asks, hookAsks(s)...)
}

// NotAllowedError is a project that asks for more than its tree and was not allowed
// to, or was allowed to ask for something else.
type NotAllowedError struct {
	Config  string   // the devenv.toml
	Asks    []string // what it asks for
	Changed bool     // allowed before, for other requests
}

func (e *NotAllowedError) Error() string {
	var b strings.Builder
	if e.Changed {
		fmt.Fprintf(&b, "%s changed what it asks for beyond the project since you allowed it; it now asks for:\n", e.Config)
	} else {
		fmt.Fprintf(&b, "%s asks for more than the project's own files:\n", e.Config)
	}
	for _, a := range e.Asks {
		fmt.Fprintf(&b, "  %s\n", a)
	}
	b.WriteString("read it, then run `devenv allow` to let it (`devenv deny` takes that back)")
	return b.String()
}

// trustFile is where the allow of the project at root is kept: one small file per
// project, named by the hash of its root, holding the root and the allowed requests'
// hash, so that two allows at once never write the same file.
func trustFile(configDir, root string) string {
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(configDir, "allowed", hex.EncodeToString(sum[:])[:32])
}

func asksHash(asks []string) string {
	h := sha256.New()
	for _, a := range asks {
		fmt.Fprintf(h, "%d:%s\n", len(a), a)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// CheckTrust returns a *NotAllowedError when the project asks for more than its tree
// and the user has not allowed exactly that; nil otherwise.
func CheckTrust(s *Spec) error {
	asks := Asks(s)
	if len(asks) == 0 {
		return nil
	}
	notAllowed := &NotAllowedError{Config: s.ConfigPath, Asks: asks}
	if s.UserConfigDir == "" {
		return notAllowed
	}
	data, err := os.ReadFile(trustFile(s.UserConfigDir, s.Root))
	if err != nil {
		return notAllowed
	}
	root, hash, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	if root != s.Root {
		return notAllowed
	}
	if hash != asksHash(asks) {
		notAllowed.Changed = true
		return notAllowed
	}
	return nil
}

// Allow records that the project may ask for what it asks for now, and returns it.
func Allow(s *Spec) ([]string, error) {
	asks := Asks(s)
	if len(asks) == 0 {
		return nil, nil
	}
	if s.UserConfigDir == "" {
		return nil, errors.New("no user config directory to remember the allow in: set $HOME or $XDG_CONFIG_HOME")
	}
	file := trustFile(s.UserConfigDir, s.Root)
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return nil, fmt.Errorf("cannot remember the allow: %w", err)
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(s.Root+"\n"+asksHash(asks)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("cannot remember the allow: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return nil, fmt.Errorf("cannot remember the allow: %w", err)
	}
	return asks, nil
}

// Deny forgets the allow of the project at root; false when there was none.
func Deny(configDir, root string) (bool, error) {
	if configDir == "" {
		return false, nil
	}
	err := os.Remove(trustFile(configDir, root))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot forget the allow: %w", err)
	}
	return true, nil
}
