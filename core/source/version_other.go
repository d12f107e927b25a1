//go:build !linux && !darwin && !freebsd

package source

import (
	"os"
	"time"
)

// fileStatus is unknown here (see Status): every snapshot is inexact.
func fileStatus(os.FileInfo) (status string, exact bool) { return "", false }

// statusTime is unknown here (zero).
func statusTime(os.FileInfo) time.Time { return time.Time{} }
