//go:build linux && !amd64 && !arm64

package ooc

// sysSyncfs: 0: not wired on this architecture; syncFiles syncs each file.
const sysSyncfs uintptr = 0

// sysRenameat2: 0: not wired; renameNoReplace checks, then renames, and
// ReplaceDir takes two renames.
const sysRenameat2 uintptr = 0
