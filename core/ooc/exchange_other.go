//go:build !linux

package ooc

import "errors"

// exchange is the Linux one's stand-in: two renames (ReplaceDir) here.
func exchange(a, b string) error { return errors.ErrUnsupported }
