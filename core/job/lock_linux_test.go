package job

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLockRefusedByTheFileSystem: a lock file the file system will not
// create (in /sys, where even root gets EACCES) is an I/O error that
// names the output and wraps the system's error (fs.ErrPermission, so
// IPCF_E_IO in the C API and IpcfIOError in Python), not a refused output
// (job.ErrOutput: IPCF_E_INVALID_ARGUMENT, a ValueError, as before).
func TestLockRefusedByTheFileSystem(t *testing.T) {
	if st, err := os.Stat("/sys"); err != nil || !st.IsDir() {
		t.Fatalf("/sys is not a folder here (%v): the test needs Linux's sysfs", err)
	}
	release, err := Lock("/sys/ipcf-lock-test.npy")
	if err == nil {
		release()
		t.Fatal("a lock in /sys was taken")
	}
	if !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "/sys/ipcf-lock-test.npy") {
		t.Errorf("lock in /sys: %v; want the permission error, not ErrOutput, naming the output", err)
	}
}

// TestBusyNamesItsHolder: a run that finds the lock taken while its holder
// has not yet written its line (two runs started at once) reads again for
// a moment, and names the holder, or says the run has just started: the
// message named "()" (the ABI campaign).
func TestBusyNamesItsHolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.npy")
	f, err := os.OpenFile(LockName(out), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tryLock(f); err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(out); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "another ipcf run (a run that has just started)") {
		t.Errorf("an empty lock held: %v", err)
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		f.WriteAt([]byte("pid 42 on here since now\n"), 0)
	}()
	if _, err := Lock(out); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "another ipcf run (pid 42 on here since now)") {
		t.Errorf("a holder writing its line: %v", err)
	}
}
