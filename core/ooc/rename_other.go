//go:build !linux

package ooc

import "errors"

// renameNoReplace renames old to new unless something lies at new
// (os.ErrExist), checked just before the rename (a window remains).
func renameNoReplace(old, new string) error { return renameChecked(old, new) }

// exchange is the Linux one's stand-in: ReplaceDir takes two renames here.
func exchange(a, b string) error { return errors.ErrUnsupported }
