//go:build !linux && !darwin && !freebsd

package source

import (
	"os"
	"time"
)

// fileStatus is unknown here (see Status): every snapshot is inexact.
func fileStatus(os.FileInfo) (status string, exact bool) { return "", false }

// fileID is unknown here: two names of one file are not recognised.
func fileID(os.FileInfo) string { return "" }

// statusTime is unknown here (zero).
func statusTime(os.FileInfo) time.Time { return time.Time{} }
