package detect

import (
	"fmt"
	"strings"
)

// cgoLibraries are Go modules that bind a C library through cgo, and the Debian
// package with that library's headers and pkg-config file: without it the build stops at
// "Package libseccomp was not found in the pkg-config search path". Like the native gems
// of the Ruby stack, a fixed list of the common ones, not a complete check.
var cgoLibraries = []struct{ module, pkg string }{
	{"github.com/seccomp/libseccomp-golang", "libseccomp-dev"},
	{"github.com/google/gopacket", "libpcap-dev"},
	{"github.com/confluentinc/confluent-kafka-go", "librdkafka-dev"},
	{"github.com/go-gl/glfw", "libgl1-mesa-dev"},
	{"github.com/libgit2/git2go", "libgit2-dev"},
	{"github.com/containers/storage", "libbtrfs-dev"},
	{"github.com/containers/gpgme", "libgpgme-dev"},
	{"github.com/proglottis/gpgme", "libgpgme-dev"},
	{"github.com/mattn/go-gtk", "libgtk2.0-dev"},
	{"github.com/gotk3/gotk3", "libgtk-3-dev"},
	{"github.com/tecbot/gorocksdb", "librocksdb-dev"},
	{"github.com/linxGnu/grocksdb", "librocksdb-dev"},
	{"gopkg.in/gographics/imagick.v3", "libmagickwand-dev"},
	{"github.com/h2non/bimg", "libvips-dev"},
	{"github.com/davidbyttow/govips", "libvips-dev"},
	{"github.com/ceph/go-ceph", "libcephfs-dev"},
	{"github.com/lxc/go-lxc", "liblxc-dev"},
}

// cgoPackages adds the Debian packages for the cgo bindings the module requires, read
// from the files that list its modules (go.mod, go.sum, vendor/modules.txt).
func cgoPackages(p *Probe, st *Stack, files []string) {
	var text strings.Builder
	for _, f := range files {
		text.WriteString(p.Text(f))
	}
	all := text.String()
	for _, lib := range cgoLibraries {
		if !strings.Contains(all, lib.module+" ") && !strings.Contains(all, lib.module+"/") {
			continue
		}
		if !contains(st.Packages, lib.pkg) {
			st.Packages = append(st.Packages, lib.pkg)
			st.Chose = append(st.Chose, fmt.Sprintf("%s for %s, which builds with cgo (Debian's version of the library)", lib.pkg, lib.module))
		}
	}
}
