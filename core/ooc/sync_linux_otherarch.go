//go:build linux && !amd64 && !arm64

package ooc

// sysSyncfs: 0: not wired on this architecture; syncFiles syncs each file.
const sysSyncfs uintptr = 0
