//go:build windows

package main

import "syscall"

// detached starts the spare's process in a process group of its own, so the
// console's Ctrl-C does not reach it.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}
