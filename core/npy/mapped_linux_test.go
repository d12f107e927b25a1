//go:build linux

package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

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
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
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
