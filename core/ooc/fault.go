package ooc

import (
	"os"
	"sync"
	"syscall"
)

// faultAt is the point named by IPCF_FAULT_KILL, where the process kills
// itself with SIGKILL: the fault-injection tests use it to hit the narrow
// windows of the commit (see TestFaultInjection in cmd/ipcf).
var faultAt = sync.OnceValue(func() string { return os.Getenv("IPCF_FAULT_KILL") })

// stopAt is the point named by IPCF_FAULT_STOP, where the process stops
// itself with SIGSTOP: a test changes files, then sends SIGCONT (see
// TestFaultFileAppearsWhilePublishing in cmd/ipcf).
var stopAt = sync.OnceValue(func() string { return os.Getenv("IPCF_FAULT_STOP") })

// failAt is the point named by IPCF_FAULT_FAIL, where faultErr returns
// an injected I/O error: a step that fails without a kill (setting an
// earlier Zarr result aside, "set-aside"; removing it, "remove-old";
// renaming a scratch folder to remove it, "scratch-rename").
var failAt = sync.OnceValue(func() string { return os.Getenv("IPCF_FAULT_FAIL") })

// faultErr is the injected error at point (see failAt), nil elsewhere.
func faultErr(point string) error {
	if failAt() == point {
		return &os.PathError{Op: "fault " + point, Path: point, Err: syscall.EIO}
	}
	return nil
}

// noExchange, set by IPCF_FAULT_NO_EXCHANGE, makes ReplaceDir take its
// two renames, as on a system without RENAME_EXCHANGE (the tests of that
// path's narrow window).
var noExchange = os.Getenv("IPCF_FAULT_NO_EXCHANGE") != ""

func fault(point string) {
	if stopAt() == point {
		stopSelf()
	}
	if faultAt() == point {
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			p.Kill() // SIGKILL on Unix
		}
		select {}
	}
}
