package npy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNotRegular reports a path given or found as an input file that is not
// a regular file (a folder, named pipe, device or socket).
var ErrNotRegular = errors.New("not a regular file")

// RegularFile returns the file information of path, following symbolic
// links, if it is a regular file, and otherwise an error wrapping
// ErrNotRegular that names the path and what it is. It never opens path.
func RegularFile(path string) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, %w", path, kind(st.Mode()), ErrNotRegular)
	}
	return st, nil
}

// ReadRegular reads the regular file at path (following links), of at
// most max bytes: a FIFO, a device or a folder there is an error wrapping
// ErrNotRegular and is never opened, and a larger file (a /dev/zero
// behind a link, a metadata file grown absurdly) is refused before it is
// read.
func ReadRegular(path string, max int64) ([]byte, error) {
	st, err := RegularFile(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d expected", path, st.Size(), max)
	}
	f, _, err := OpenRegular(path) // a FIFO swapped in meanwhile: not waited on, refused
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		return nil, fmt.Errorf("%s: more than the %d bytes expected", path, max)
	}
	return b, err
}

// OpenRegular opens the regular file at path (following links) for
// reading, with its status: a FIFO, a device or a folder there (swapped
// in since it was checked) is an error wrapping ErrNotRegular, and a FIFO
// is never waited on.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is %s, %w", path, kind(st.Mode()), ErrNotRegular)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// kind names the file type of m for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// Kind names the file type of m for messages: "a directory", "a named
// pipe (FIFO)", "a socket", "a character device", "a block device", "a
// regular file".
func Kind(m fs.FileMode) string {
	if m.IsRegular() {
		return "a regular file"
	}
	return kind(m)
}

// GlobIn returns the paths of the entries of the folder dir whose names
// match pattern (filepath.Match), in name order: the folder's name is
// taken as it is, where filepath.Glob reads its metacharacters too (a
// folder run[1] matched run1, whose files were removed: a campaign's
// finding). None where dir cannot be read.
func GlobIn(dir, pattern string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if ok, _ := filepath.Match(pattern, e.Name()); ok {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out
}

// KernelPath is path itself, or, where a lexical clean of it names another
// folder than the kernel finds (a ".." after a link), the absolute path
// with its folder as the kernel finds it: names joined onto it (a Zarr's
// .zattrs, a folder's frames, a sidecar's companions, a partial output)
// are then the kernel's too, where filepath.Join's clean took
// "c/link/../m.zarr/.zattrs" for "c/m.zarr/.zattrs" (a review's
// finding). A folder that does not exist is left to the caller.
func KernelPath(path string) string {
	trimmed := strings.TrimRight(path, "/")
	if trimmed == "" || !slices.Contains(strings.Split(filepath.ToSlash(trimmed), "/"), "..") {
		return path
	}
	dir, base := filepath.Split(trimmed)
	if base == ".." {
		dir, base = trimmed, ""
	}
	d, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return path
	}
	if d, err = filepath.Abs(d); err != nil {
		return path
	}
	a, err := filepath.Abs(trimmed)
	if err != nil {
		return path
	}
	real := filepath.Join(d, base)
	if a == real {
		return path
	}
	st1, err1 := os.Stat(filepath.Dir(a))
	st2, err2 := os.Stat(filepath.Dir(real))
	if base != "" && err1 == nil && err2 == nil && os.SameFile(st1, st2) {
		return path
	}
	return real + path[len(trimmed):]
}
