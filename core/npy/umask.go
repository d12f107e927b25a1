package npy

import (
	"bytes"
	"os"
	"strconv"
)

// CreateMode is the mode a file or folder created with mode gets: mode
// less the process's file mode creation mask (umask). Files that are
// written under a temporary name (CreateTemp makes them 0600, MkdirTemp
// 0700) are given it before they are renamed into place, so results,
// their metadata and pictures follow the user's umask as files a program
// creates do: 0644 under umask 022, 0600 under 077 (a fixed 0644 made a
// user's data readable to all where the umask kept it private).
func CreateMode(mode os.FileMode) os.FileMode { return mode &^ umask() }

// umask reads the mask from /proc/self/status (Linux 4.7 and later):
// setting it to learn it, as umask(2) does, would change it meanwhile for
// the host program's other threads. Where it cannot be read, 022.
func umask() os.FileMode {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0o022
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("Umask:")); ok {
			if m, err := strconv.ParseUint(string(bytes.TrimSpace(v)), 8, 32); err == nil {
				return os.FileMode(m) & os.ModePerm
			}
		}
	}
	return 0o022
}
