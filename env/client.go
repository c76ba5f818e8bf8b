package env

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// A fresh container lives exactly as long as the devenv that waits for it. When that
// devenv is gone (killed, or an older devenv that left its container on a hang-up),
// nobody will ever remove the container: ps marks it and clean removes it.

// runLabels are the labels of a fresh container: the project's, and this devenv.
func runLabels(p *Project) map[string]string {
	labels := p.containerLabels("run")
	labels[LabelClient] = ClientID()
	return labels
}

// ClientID names this devenv process on this machine: boot id, pid, start time (a
// pid alone is reused).
func ClientID() string {
	// Where the system does not tell, the label still says "a devenv of this
	// version waits", which Orphaned never judges gone.
	return fmt.Sprintf("%s/%d/%s", bootID(), os.Getpid(), processStart(os.Getpid()))
}

// Orphaned reports whether the fresh container with these labels has lost its devenv:
// one from a devenv too old to say who waits for it, or one whose devenv, on this
// machine since its last boot, has ended. A container started from another machine
// (a remote engine's other clients) or before a reboot of an engine elsewhere cannot
// be judged and is not orphaned.
func Orphaned(labels map[string]string) bool {
	if labels[LabelContainer] != "run" {
		return false // warm containers and services are meant to outlive devenv
	}
	id, ok := labels[LabelClient]
	if !ok {
		return true // made before devenv said who waits: an older devenv's leftover
	}
	parts := strings.Split(id, "/")
	if len(parts) != 3 || bootID() == "" || parts[0] != bootID() {
		return false
	}
	pid, err := strconv.Atoi(parts[1])
	if err != nil {
		return false
	}
	return processStart(pid) != parts[2]
}
