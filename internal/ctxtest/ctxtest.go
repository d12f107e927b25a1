// Package ctxtest holds contexts for tests of cancellation within a unit
// of work.
package ctxtest

import "context"

// LaterCancelled is a context whose Err is nil at its first look and
// context.Canceled from the second: a test cancels a run just after it
// started its work (Looks counts the looks).
type LaterCancelled struct {
	context.Context
	Looks int
}

// New returns a LaterCancelled over context.Background.
func New() *LaterCancelled { return &LaterCancelled{Context: context.Background()} }

func (c *LaterCancelled) Err() error {
	if c.Looks++; c.Looks > 1 {
		return context.Canceled
	}
	return nil
}
