package source

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/pool"
)

// Check passes while the files are as they were and fails, naming the
// file, after a change of size, of modification time, or a removal; a
// rewrite or a replacement that set the size and time back passes Check
// and is Touched.
func TestSnapshotCheck(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "stack.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		change  func(path string) error
		touched bool // Check passes, Touched tells
	}{
		{"size", func(p string) error { return os.WriteFile(p, append(b, 0), 0o644) }, false},
		{"time", func(p string) error { t := time.Now().Add(time.Hour); return os.Chtimes(p, t, t) }, false},
		{"removed", os.Remove, false},
		// The size and modification time set back after the change: the
		// status-change time tells (Touched), one clock tick later at
		// least (the kernel's file times advance a tick at a time).
		{"rewritten in place, time set back", func(p string) error {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond) // past a coarse clock's tick
			f, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			f.WriteAt([]byte{b[len(b)-1] ^ 1}, int64(len(b)-1))
			f.Close()
			return os.Chtimes(p, st.ModTime(), st.ModTime())
		}, true},
		{"replaced, time set back", func(p string) error {
			st, err := os.Stat(p)
			if err != nil {
				return err
			}
			time.Sleep(10 * time.Millisecond)
			other := p + ".new"
			if err := os.WriteFile(other, b, 0o644); err != nil {
				return err
			}
			os.Chtimes(other, st.ModTime(), st.ModTime())
			return os.Rename(other, p)
		}, true},
		{"chmod", func(p string) error { time.Sleep(10 * time.Millisecond); return os.Chmod(p, 0o600) }, true},
	} {
		path := filepath.Join(t.TempDir(), "s.npy")
		src := writeOpen(t, path, b)
		snap, err := Snap(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.Check(); err != nil {
			t.Errorf("%s: unchanged: %v", c.name, err)
		}
		if snap.Touched() {
			t.Errorf("%s: touched before the change", c.name)
		}
		stamp := snap.Stamp()
		if err := c.change(path); err != nil {
			t.Fatal(err)
		}
		if c.touched {
			if err := snap.Check(); err != nil {
				t.Errorf("%s: Check: %v", c.name, err)
			}
			now, _ := Snap(src)
			if !snap.Touched() || now.Stamp() == stamp {
				t.Errorf("%s: not Touched (stamps %s, %s)", c.name, stamp, now.Stamp())
			}
		} else if err := snap.Check(); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: %v: want ErrChanged naming %s", c.name, err, path)
		}
		src.Close()
	}
}

// Faulted turns a worker's memory fault into ErrChanged naming the
// source and returns other errors as they are.
func TestFaulted(t *testing.T) {
	plain := errors.New("plain")
	if got := Faulted("in.npy", plain); got != plain {
		t.Errorf("plain error: %v", got)
	}
	if got := Faulted("in.npy", nil); got != nil {
		t.Errorf("nil: %v", got)
	}
	fault := &pool.PanicError{Value: faultValue{}}
	if got := Faulted("in.npy", fault); !errors.Is(got, ErrChanged) || !strings.Contains(got.Error(), "in.npy") {
		t.Errorf("fault: %v", got)
	}
}

type faultValue struct{}

func (faultValue) Error() string { return "unexpected fault address" }
func (faultValue) Addr() uintptr { return 0x1000 }
func (faultValue) RuntimeError() {}

// writeOpen writes b to path and opens it as a source.
func writeOpen(t *testing.T, path string, b []byte) Source {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// TestSnapshotSameTick: a file rewritten at once after a snapshot taken at
// once after its last change is Touched. The kernel's status times advance
// a clock tick at a time, so the rewrite, within the tick of the change
// the snapshot recorded, kept the status equal and went unseen: Snap now
// waits until the files' status times are RacyWindow in the past.
func TestSnapshotSameTick(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "stack.npy"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.npy")
	unseen := 0
	const rounds = 40
	for i := 0; i < rounds; i++ {
		src := writeOpen(t, path, b)
		snap, err := Snap(src)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		// at once: the same bytes but one, the size and time set back
		st, _ := os.Stat(path)
		// (kernels with fine-grained status times after a stat, 6.13 on,
		// see every such rewrite anyway: the wait is what older ones need)
		if ct := statusTime(st); !ct.IsZero() && time.Since(ct) < RacyWindow && !snap.Racy() {
			t.Fatalf("Snap returned %v after the file's change, less than RacyWindow %v", time.Since(ct), RacyWindow)
		}
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteAt([]byte{b[len(b)-1] ^ byte(i+1)}, int64(len(b)-1))
		f.Close()
		os.Chtimes(path, st.ModTime(), st.ModTime())
		if snap.Check() == nil && !snap.Touched() {
			unseen++
		}
	}
	if unseen > 0 {
		t.Errorf("%d of %d rewrites at once after a snapshot went unseen (neither Check nor Touched)", unseen, rounds)
	}
}

// TestSnapReplacedWhileOpen: a file renamed over an input between its
// opening (mapping) and the snapshot is refused: the snapshot would record
// the new file's status for the frames of the old one mapped, and a rerun
// on the new file would call the old one's result its own.
func TestSnapReplacedWhileOpen(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "stack.npy"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path, other := filepath.Join(dir, "s.npy"), filepath.Join(dir, "o.npy")
	for _, f := range []string{path, other} {
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sel, err := Select(src, Range{}, Range{}, Range{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Snap(sel); err != nil {
		t.Fatalf("unchanged: %v", err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if _, err := Snap(sel); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), "replaced while the job opened it") {
		t.Errorf("renamed over after opening: Snap: %v, want ErrChanged", err)
	}
}
