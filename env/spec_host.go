package env

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// User is who runs the shell and owns the files it writes.
type User struct {
	UID, GID int
	Name     string // passwd name for UID in the image
	Home     string
}

// IsRoot reports whether the container runs as root, needing no user of its own.
func (u User) IsRoot() bool { return u.UID == 0 }

// Host is what Resolve needs to know about the machine devenv runs on.
type Host struct {
	UID, GID int
	UserName string
	// CABundle is the path of the host's CA bundle, "" when there is none.
	CABundle string
	// Home is the user's home, for ~ in mounts; ConfigDir the devenv folder of the
	// user's config directory (their [identity] and their allows), "" for none.
	Home, ConfigDir string
	// EngineRootless: the engine maps the container's root to this user (a rootless
	// engine's user namespace), so user = "host" is root in the container (userns.go).
	EngineRootless bool
}

// CurrentHost describes the machine devenv runs on.
func CurrentHost() Host {
	h := Host{UID: os.Getuid(), GID: os.Getgid(), UserName: os.Getenv("USER"), CABundle: hostCABundle(),
		ConfigDir: userConfigDir()}
	h.Home, _ = os.UserHomeDir()
	if runtime.GOOS == "windows" {
		// Docker Desktop presents Windows files to containers with no owner to match;
		// root inside is what its file sharing expects.
		h.UID, h.GID = 0, 0
	}
	return h
}

// hostCABundle finds the CA bundle the host's own tools trust: SSL_CERT_FILE first, as
// Go and OpenSSL read it, then the usual places of Debian, Fedora, Alpine and macOS.
func hostCABundle() string {
	candidates := []string{os.Getenv("SSL_CERT_FILE"),
		"/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
			return c
		}
	}
	return ""
}

func resolveUser(value string, host Host) (User, error) {
	switch value {
	case "", "host":
		u := User{UID: host.UID, GID: host.GID}
		if u.UID < 0 || u.GID < 0 {
			u.UID, u.GID = 0, 0
		}
		if u.UID == 0 || host.EngineRootless {
			return User{Name: "root", Home: "/root"}, nil
		}
		u.Name = strings.ToLower(host.UserName)
		if !passwdNameRe.MatchString(u.Name) {
			u.Name = "dev"
		}
		u.Home = "/home/" + u.Name
		return u, nil
	case "root":
		return User{Name: "root", Home: "/root"}, nil
	}
	m := userRe.FindStringSubmatch(value)
	if m == nil {
		return User{}, fmt.Errorf("user %q must be \"host\" (your own UID and GID), \"root\", or \"UID:GID\" like \"1000:1000\"", value)
	}
	// IDs are 32-bit, and 2^32-1 means "no ID" to the kernel.
	uid64, err := strconv.ParseUint(m[1], 10, 32)
	if err != nil || uid64 == 1<<32-1 {
		return User{}, fmt.Errorf("user %q: UID %s is out of range (0 to 4294967294)", value, m[1])
	}
	gid64 := uid64
	if m[2] != "" {
		gid64, err = strconv.ParseUint(m[2], 10, 32)
		if err != nil || gid64 == 1<<32-1 {
			return User{}, fmt.Errorf("user %q: GID %s is out of range (0 to 4294967294)", value, m[2])
		}
	}
	uid, gid := int(uid64), int(gid64)
	if uid == 0 {
		return User{Name: "root", Home: "/root", GID: gid}, nil
	}
	return User{UID: uid, GID: gid, Name: "dev", Home: "/home/dev"}, nil
}
