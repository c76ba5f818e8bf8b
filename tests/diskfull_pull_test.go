//go:build linux

package tests

// The registry scripts may start a small engine too: a pull that does not fit
// (testdata/registry/diskfull_pull.txtar) needs both a registry and a full engine.
func init() {
	registryCmds["smallengine"] = cmdSmallEngine
}
