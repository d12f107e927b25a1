package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
)

// errNotDir: a path component is a file (a/b/c with a a file).
var errNotDir error = syscall.ENOTDIR

// Glob returns the names of all files matching pattern, as filepath.Glob
// does, but fails where a folder the pattern needs to list cannot be read
// (permissions, an I/O error): filepath.Glob leaves such a folder out, so
// a series of frames lost a folder's frames without a word (exit 0 with
// 256 of 512 frames when a user could not list one of two folders).
// Folders that do not exist match nothing, as there.
func Glob(pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	if !hasMeta(pattern) {
		if _, err := os.Lstat(pattern); err != nil {
			return nil, nil
		}
		return []string{pattern}, nil
	}
	dir, file := filepath.Split(pattern)
	volumeLen := 0
	if runtime.GOOS == "windows" {
		volumeLen = len(filepath.VolumeName(pattern))
	}
	dir = cleanGlobPath(dir, volumeLen)
	if !hasMeta(dir[volumeLen:]) {
		return globDir(dir, file, nil)
	}
	if dir == pattern {
		return nil, filepath.ErrBadPattern
	}
	dirs, err := Glob(dir)
	if err != nil {
		return nil, err
	}
	var matches []string
	for _, d := range dirs {
		if matches, err = globDir(d, file, matches); err != nil {
			return nil, err
		}
	}
	return matches, nil
}

// cleanGlobPath prepares path for glob matching (as filepath's).
func cleanGlobPath(path string, volumeLen int) string {
	switch {
	case path == "":
		return "."
	case len(path) == volumeLen+1 && os.IsPathSeparator(path[len(path)-1]):
		return path // the root
	default:
		return path[:len(path)-1] // the trailing separator
	}
}

// globDir appends to matches the names in dir that match pattern (no
// separator in it), sorted; a dir that does not exist, or is not a folder,
// adds nothing; one that cannot be listed is an error naming it.
func globDir(dir, pattern string, matches []string) ([]string, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotDir) {
		return matches, nil
	}
	if err != nil {
		return matches, fmt.Errorf("the folder %s, which the pattern lists, cannot be read: %w", dir, err)
	}
	if !fi.IsDir() {
		return matches, nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return matches, fmt.Errorf("the folder %s, which the pattern lists, cannot be read: %w", dir, err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return matches, fmt.Errorf("the folder %s, which the pattern lists, cannot be read: %w", dir, err)
	}
	slices.Sort(names)
	for _, n := range names {
		if ok, err := filepath.Match(pattern, n); err != nil {
			return matches, err
		} else if ok {
			matches = append(matches, filepath.Join(dir, n))
		}
	}
	return matches, nil
}

// hasMeta reports whether path contains any of the magic characters
// filepath.Match recognizes.
func hasMeta(path string) bool {
	magic := `*?[`
	if runtime.GOOS != "windows" {
		magic = `*?[\`
	}
	return strings.ContainsAny(path, magic)
}
