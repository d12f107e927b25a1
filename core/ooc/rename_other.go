//go:build !linux

package ooc

// renameNoReplace renames old to new unless something lies at new
// (os.ErrExist), checked just before the rename (a window remains).
func renameNoReplace(old, new string) error { return renameChecked(old, new) }
