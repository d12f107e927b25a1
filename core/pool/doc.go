// Package pool runs numbered tasks on a bounded set of goroutines.
//
// It is errgroup with what a library living inside Python, Fiji or MATLAB
// needs besides: every worker recovers its own panic and returns it as an
// error with the stack attached, the first error cancels the rest, progress
// is reported on the calling goroutine (so C callbacks run on the caller's
// thread), and no goroutine outlives Run.
package pool
