package ooc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// TestWrittenUnreadableIsNotChanged: a file ipcf wrote that cannot be
// read to check it against its record (an I/O error; here a folder,
// EISDIR) is said to be unreadable, not changed or damaged (with the
// advice to remove it and compute it again: FAULT8's F5); a file that is
// gone is not what its record says.
func TestWrittenUnreadableIsNotChanged(t *testing.T) {
	dir := t.TempDir()
	w := &Written{path: dir, side: filepath.Join(dir, "x.json"), command: "simulate", crc: "00000000", bytes: 10}
	err := w.Check()
	if err == nil || errors.Is(err, ErrWrittenChanged) || !strings.Contains(err.Error(), "could not be read to check it") {
		t.Errorf("unreadable: %v; want an I/O error, not ErrWrittenChanged", err)
	}
	w.path = filepath.Join(dir, "gone.npy")
	if err := w.Check(); !errors.Is(err, ErrWrittenChanged) {
		t.Errorf("gone: %v; want ErrWrittenChanged", err)
	}
	// A file the user may not read is told so, not blamed on the disk
	// (CLI16's F2; root reads every file, so the error is given here).
	err = w.unreadable(&os.PathError{Op: "open", Path: w.path, Err: syscall.EACCES})
	if !errors.Is(err, os.ErrPermission) || !strings.Contains(err.Error(), "make it readable") || strings.Contains(err.Error(), "disk") {
		t.Errorf("permission denied: %v; want the advice to make it readable", err)
	}
}

// TestIsIOError: the storage's failures (EIO, ESTALE, ETIMEDOUT, wrapped
// as the os package wraps them) are I/O errors, which DescribesErr
// returns instead of calling the file another program's; an absent file
// or another kind is not.
func TestIsIOError(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EIO}, true},
		{fmt.Errorf("wrapped: %w", &os.PathError{Op: "open", Path: "x", Err: syscall.ESTALE}), true},
		{syscall.ETIMEDOUT, true},
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EUCLEAN}, runtime.GOOS == "linux"}, // a damaged ext4 (REVIEW10's F6)
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EBADMSG}, runtime.GOOS == "linux"}, // its checksum error
		{&os.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}, false},
		{&os.PathError{Op: "read", Path: "x", Err: syscall.EISDIR}, false},
		{errors.New("not ipcf's metadata"), false},
	} {
		if got := IsIOError(c.err); got != c.want {
			t.Errorf("IsIOError(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	// A file that is there, readable, without a sidecar: not described, no error.
	p := filepath.Join(t.TempDir(), "a.npy")
	os.WriteFile(p, []byte("x"), 0o644)
	if _, ok, err := DescribesErr(p); ok || err != nil {
		t.Errorf("no sidecar: described %v, error %v", ok, err)
	}
}

// TestZarrPublishZattrsIOError: an I/O error reading the .zattrs of the
// finished partial folder, or of the published result when the
// publication checks it, is reported as an I/O error (IsIOError), not as
// a changed partial output or "not the finished result" (FAULT8's F5c);
// nothing is removed, and a rerun without the fault ends with the
// uninterrupted run's chunks.
func TestZarrPublishZattrsIOError(t *testing.T) {
	for _, c := range []struct {
		name, want string
		target     func(out string) string
	}{
		{"partial", "could not be read to publish it", func(out string) string { return filepath.Join(PartialName(out), ".zattrs") }},
		{"published", "could not be read to check the published result", func(out string) string { return filepath.Join(out, ".zattrs") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			in := writeStack(t, dir, 64, 11, 12)
			o := pcf.Options{Radius: 2, Npoints: 4, Nbins: 6}
			out := filepath.Join(dir, "out.zarr")
			run := func() error {
				src, err := source.Open(in)
				if err != nil {
					t.Fatal(err)
				}
				defer src.Close()
				_, err = Run(context.Background(), src, NewZarrOutput(out), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{3, 4}})
				return err
			}
			target, faults := c.target(out), 0
			readOwn = func(path string) ([]byte, error) {
				if path == target {
					faults++
					return nil, &os.PathError{Op: "read", Path: path, Err: syscall.EIO}
				}
				return readOwnFile(path)
			}
			err := run()
			readOwn = readOwnFile
			if faults == 0 {
				t.Fatalf("%s was never read", target)
			}
			if err == nil || !IsIOError(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("with EIO reading %s: %v; want an I/O error saying %q", target, err, c.want)
			}
			if err := run(); err != nil {
				t.Fatalf("rerun: %v", err)
			}
			ref := filepath.Join(dir, "ref.zarr")
			src, _ := source.Open(in)
			_, err = Run(context.Background(), src, NewZarrOutput(ref), Options{PCF: o, Memory: ProcessOverhead + 1<<20, Tile: [2]int{3, 4}})
			src.Close()
			if err != nil {
				t.Fatal(err)
			}
			names, _ := filepath.Glob(filepath.Join(ref, "*.0.0"))
			if len(names) == 0 {
				t.Fatal("no chunks in the reference")
			}
			for _, n := range names {
				a, _ := os.ReadFile(n)
				b, err := os.ReadFile(filepath.Join(out, filepath.Base(n)))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("chunk %s differs after the rerun (%v)", filepath.Base(n), err)
				}
			}
		})
	}
}

// TestZarrPublishOverUnreadableEarlier: a job published over an earlier
// Zarr result whose .zattrs cannot be read (an I/O error) is refused as
// such, the earlier result kept whole; it was called "not an ipcf
// result" (REVIEW9's F4). Without the fault the rerun publishes.
func TestZarrPublishOverUnreadableEarlier(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 64, 11, 12)
	out := filepath.Join(dir, "out.zarr")
	run := func(path string, nbins int) error {
		src, err := source.Open(in)
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		_, err = Run(context.Background(), src, NewZarrOutput(path), Options{PCF: pcf.Options{Radius: 2, Npoints: 4, Nbins: nbins}, Memory: ProcessOverhead + 1<<20, Tile: [2]int{3, 4}})
		return err
	}
	if err := run(out, 5); err != nil { // the earlier result
		t.Fatal(err)
	}
	earlier, err := os.ReadFile(filepath.Join(out, ".zattrs"))
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(out, ".zattrs")
	readOwn = func(path string) ([]byte, error) {
		if path == target {
			return nil, &os.PathError{Op: "read", Path: path, Err: syscall.EIO}
		}
		return readOwnFile(path)
	}
	err = run(out, 6)
	readOwn = readOwnFile
	if err == nil || !IsIOError(err) || !strings.Contains(err.Error(), "could not be read") || strings.Contains(err.Error(), "not an ipcf result") {
		t.Fatalf("over an earlier result whose .zattrs gives EIO: %v; want an I/O error", err)
	}
	if b, err := os.ReadFile(filepath.Join(out, ".zattrs")); err != nil || !bytes.Equal(b, earlier) {
		t.Fatalf("the earlier result changed (%v)", err)
	}
	if err := run(out, 6); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, ".zattrs")); bytes.Equal(b, earlier) {
		t.Fatal("the rerun did not publish")
	}
}

// TestZarrChangedDuringSwap: a chunk that differs because another result
// was swapped in while the chunks were read (a live run publishing the
// output: its .zattrs changed too) is no changed chunk of this result;
// one that differs under the same .zattrs is (REVIEW18's m11: a result
// being published was called edited in place, and the user told to
// remove it).
func TestZarrChangedDuringSwap(t *testing.T) {
	dir := t.TempDir()
	in := writeStack(t, dir, 64, 11, 12)
	out := filepath.Join(dir, "out.zarr")
	src, err := source.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := Run(context.Background(), src, NewZarrOutput(out), Options{PCF: pcf.Options{Radius: 2, Npoints: 4, Nbins: 6}, Memory: ProcessOverhead + 1<<20, Tile: [2]int{3, 4}}); err != nil {
		t.Fatal(err)
	}
	chunk := filepath.Join(out, "0.0.0.0")
	attrs := filepath.Join(out, ".zattrs")
	b, _ := os.ReadFile(attrs)
	defer func() { readOwn = readOwnFile }()
	for _, swap := range []bool{false, true} {
		readOwn = func(path string) ([]byte, error) {
			c, err := readOwnFile(path)
			if path == chunk {
				c[0] ^= 1 // another result's chunk, or one edited
				if swap {
					os.WriteFile(attrs, append(bytes.Clone(b), ' '), 0o644) // (not sealed: only its bytes differ)
				}
			}
			return c, err
		}
		f, err := ZarrChanged(out)
		readOwn = readOwnFile
		os.WriteFile(attrs, b, 0o644)
		if want := map[bool]string{false: "0.0.0.0", true: ""}[swap]; f != want || err != nil {
			t.Errorf("swapped %v: %q, %v; want %q", swap, f, err, want)
		}
	}
}
