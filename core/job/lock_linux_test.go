package job

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
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
