//go:build linux

package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
)

// TestCreateMapped: a result written into the mapping and committed is
// the file WriteFile writes; before the commit the path does not exist;
// Abort (also after an error of before) leaves nothing; a full disk is an
// error at once, and a file system that cannot reserve blocks is
// ErrNotReserved.
func TestCreateMapped(t *testing.T) {
	dir := t.TempDir()
	shape := []int{3, 5, 7}
	data := make([]byte, 3*5*7*4)
	for i := range data {
		data[i] = byte(i*37 + 11)
	}
	want := filepath.Join(dir, "want.npy")
	if err := WriteFile(want, array.Float32, shape, data); err != nil {
		t.Fatal(err)
	}
	wantBytes, _ := os.ReadFile(want)
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, tempPattern))
		return m
	}

	out := filepath.Join(dir, "out.npy")
	m, err := CreateMapped(out, array.Float32, shape)
	if err != nil {
		t.Fatal(err)
	}
	copy(m.Data, data)
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("out exists before the commit: %v", err)
	}
	called := false
	if err := m.Commit(func() error { called = true; return nil }); err != nil || !called {
		t.Fatalf("commit: %v (before called: %v)", err, called)
	}
	m.Abort() // after Commit: nothing
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, wantBytes) {
		t.Errorf("committed file differs from WriteFile's (%v)", err)
	}
	if st, _ := os.Stat(out); st.Mode().Perm() != CreateMode(0o666) {
		t.Errorf("mode %v, want %v (0666 less the umask)", st.Mode().Perm(), CreateMode(0o666))
	}
	if tt := temps(); len(tt) != 0 {
		t.Errorf("temporary files left: %v", tt)
	}

	// before fails: nothing published, nothing left.
	m, err = CreateMapped(filepath.Join(dir, "no.npy"), array.Float32, shape)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := m.Commit(func() error { return boom }); !errors.Is(err, boom) {
		t.Errorf("commit with a failing before: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "no.npy")); !os.IsNotExist(err) || len(temps()) != 0 {
		t.Errorf("a failed commit left files: %v %v", err, temps())
	}
	m, _ = CreateMapped(filepath.Join(dir, "no.npy"), array.Float32, shape)
	m.Abort()
	if len(temps()) != 0 {
		t.Errorf("abort left %v", temps())
	}

	defer func() { fallocate = func(fd int, size int64) error { return syscall.Fallocate(fd, 0, 0, size) } }()
	fallocate = func(int, int64) error { return syscall.ENOSPC }
	if _, err := CreateMapped(out, array.Float32, shape); err == nil || errors.Is(err, ErrNotReserved) || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("full disk: %v, want ENOSPC", err)
	}
	fallocate = func(int, int64) error { return syscall.EOPNOTSUPP }
	if _, err := CreateMapped(out, array.Float32, shape); !errors.Is(err, ErrNotReserved) {
		t.Errorf("no fallocate: %v, want ErrNotReserved", err)
	}
	if len(temps()) != 0 {
		t.Errorf("refusals left %v", temps())
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, wantBytes) {
		t.Error("a refused CreateMapped changed the existing file")
	}
}

// TestMappedCheck: a temporary file someone else changed while the result
// was written into it is refused by Check and by Commit: cut short and
// grown back (to nothing, or past its header), grown, deleted; never
// published under a checksum of the damage.
func TestMappedCheck(t *testing.T) {
	dir := t.TempDir()
	shape := []int{4, 64, 64}
	for _, c := range []struct {
		name   string
		change func(path string, size int64) error
		want   string
	}{
		{"cut to 0 and grown back", func(p string, n int64) error {
			if err := os.Truncate(p, 0); err != nil {
				return err
			}
			return os.Truncate(p, n)
		}, "cut short"},
		{"cut past the header and grown back", func(p string, n int64) error {
			if err := os.Truncate(p, 4096); err != nil {
				return err
			}
			return os.Truncate(p, n)
		}, "cut short"},
		{"grown", func(p string, n int64) error { return os.Truncate(p, n+1) }, "bytes, want"},
		{"deleted", func(p string, n int64) error { return os.Remove(p) }, "deleted"},
	} {
		out := filepath.Join(dir, "out.npy")
		m, err := CreateMapped(out, array.Float32, shape)
		if err != nil {
			t.Fatal(err)
		}
		for i := range m.Data {
			m.Data[i] = byte(i | 1)
		}
		if err := m.Check(); err != nil {
			t.Fatalf("%s: untouched: %v", c.name, err)
		}
		tmps, _ := filepath.Glob(filepath.Join(dir, tempPattern))
		if len(tmps) != 1 {
			t.Fatalf("temporary files %v", tmps)
		}
		if err := c.change(tmps[0], int64(len(m.File))); err != nil {
			t.Fatal(err)
		}
		if err := m.Check(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Check: %v, want %q", c.name, err, c.want)
		}
		if err := m.Commit(nil); err == nil {
			t.Errorf("%s: committed", c.name)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: published (%v)", c.name, err)
		}
	}
}

// TestCreateMappedRemovesStaleTemps: a killed run's temporary file (a
// whole result's blocks) goes before the new one's are reserved: on a
// full disk it would otherwise make every later run fail.
func TestCreateMappedRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, ".ipcf-123.tmp")
	if err := os.WriteFile(stale, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := CreateMapped(filepath.Join(dir, "out.npy"), array.Uint8, []int{10})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Abort()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
}

// TestCreateMappedPopulatesSmallFilesOnly: a mapping up to populateMax is
// faulted in at once; a larger one is not (13 GB of a simulation were
// faulted in by one call that Ctrl+C could not stop, 7 to 11 s, a
// campaign). mincore tells the pages in memory.
func TestCreateMappedPopulatesSmallFilesOnly(t *testing.T) {
	dir := t.TempDir()
	resident := func(b []byte) float64 {
		pages := (len(b) + os.Getpagesize() - 1) / os.Getpagesize()
		vec := make([]byte, pages)
		if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			t.Fatalf("mincore: %v", e)
		}
		n := 0
		for _, v := range vec {
			n += int(v & 1)
		}
		return float64(n) / float64(pages)
	}
	for _, c := range []struct {
		frames int
		want   func(float64) bool
	}{
		{16, func(r float64) bool { return r > 0.9 }},                  // 16 MiB: populated
		{populateMax>>20 + 8, func(r float64) bool { return r < 0.1 }}, // beyond: faulted in as written
	} {
		m, err := CreateMapped(filepath.Join(dir, "out.npy"), array.Uint8, []int{c.frames, 1024, 1024})
		if errors.Is(err, ErrNotReserved) {
			t.Skipf("this file system cannot reserve blocks (%v): CreateMapped is not used on it", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		r := resident(m.File)
		m.Abort()
		if !c.want(r) {
			t.Errorf("%d MiB: %.2f of the pages in memory after CreateMapped", c.frames, r)
		}
	}
}
