//go:build unix

package job

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/source"
)

// TestSampleCRCFIFO: an input replaced by a named pipe between its stat
// and its sampling is a changed input, named, and the pipe is never
// waited on.
func TestSampleCRCFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.raw")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := sampleCRC(path, 40<<20)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, source.ErrChanged) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "named pipe") {
			t.Fatalf("sampleCRC of a named pipe: %v, want source.ErrChanged naming %s as a named pipe", err, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sampleCRC waits on a named pipe")
	}
}
