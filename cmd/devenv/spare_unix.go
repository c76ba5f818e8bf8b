//go:build !windows

package main

import "syscall"

// detached puts the spare's process in a session of its own.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
