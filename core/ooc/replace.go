package ooc

import (
	"errors"
	"os"
)

// ReplaceDir publishes the finished folder dir at out, where an earlier
// result lies, and sets that one aside at old (the caller removes it with
// RemoveOldZarr): it swaps the two folders in one step where the system
// can (renameat2 with RENAME_EXCHANGE, Linux 3.15, on ext4, XFS, Btrfs,
// tmpfs and most local file systems), so that a kill at any moment leaves
// a whole result at out, the earlier or the new one; then it renames the
// earlier result, now at dir, to old. A run killed between the two finds
// the new result published at out and the earlier one at dir (see
// ZarrOutput.Publish). Elsewhere it takes two renames, out to old then dir
// to out: a kill between them leaves nothing at out, the earlier result at
// old and the new one at dir, which a rerun publishes.
func ReplaceDir(dir, out, old string) error {
	err := exchange(dir, out)
	if err == nil {
		fault("publish")
		// Published: setting the earlier result aside is best effort (it
		// stays at dir, which ZarrOutput.Publish then removes, as the next
		// run removes a stale partial or temporary folder), never an error
		// of a run whose result is in place.
		if faultErr("set-aside") == nil {
			os.Rename(dir, old)
		}
		return nil
	}
	if !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	if err := os.Rename(out, old); err != nil {
		return err
	}
	fault("publish")
	if err := os.Rename(dir, out); err != nil {
		os.Rename(old, out)
		return err
	}
	return nil
}
