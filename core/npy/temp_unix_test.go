//go:build unix

package npy

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// A temporary file of a writer that died is removed; one a live writer
// holds (locked) is not, nor are other files.
func TestRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, ".ipcf-9.tmp") // never opened (it would block)
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(dir, ".ipcf-1.tmp")
	notes := filepath.Join(dir, ".ipcf-notes.tmp") // a user's file named like ours
	live := filepath.Join(dir, ".ipcf-2.tmp")
	other := filepath.Join(dir, ".other-3.tmp")
	for _, p := range []string{dead, live, other, notes} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	RemoveStaleTemps(dir)
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the dead writer's file is still there (%v)", err)
	}
	for _, p := range []string{live, other, fifo, notes} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

// Writers racing a cleaner that runs without pause all publish their
// complete files: a writer's temporary file is never removed under it.
func TestWriteAtomicRacesRemoveStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stop := make(chan struct{})
	var cleaner sync.WaitGroup
	cleaner.Add(1)
	go func() {
		defer cleaner.Done()
		for {
			select {
			case <-stop:
				return
			default:
				RemoveStaleTemps(dir)
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				path := filepath.Join(dir, fmt.Sprintf("f%d-%d", w, i))
				want := bytes.Repeat([]byte{byte(w), byte(i)}, 3000)
				err := WriteAtomic(path, func(wr io.Writer) error { _, err := wr.Write(want); return err })
				if err == nil {
					if got, rerr := os.ReadFile(path); rerr != nil || !bytes.Equal(got, want) {
						err = fmt.Errorf("%s: read back %d bytes, %v", path, len(got), rerr)
					}
				}
				if err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	cleaner.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, tempPattern)); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
