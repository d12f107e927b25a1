package pool

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCancelled is returned when the context is cancelled or the progress
// function asks to stop.
var ErrCancelled = errors.New("cancelled")

// PanicError is a panic recovered in a worker.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n%s", e.Value, e.Stack)
}

// Threads returns the worker count for a requested count: n itself if
// n > 0, otherwise GOMAXPROCS.
func Threads(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// Progress is called on the goroutine that called Run with the number of
// finished tasks and the total. Returning false cancels the run.
type Progress func(done, total int) bool

// Interval is how often Run reports progress and polls for cancellation.
var Interval = 100 * time.Millisecond

// Run calls fn(worker, task) for task = 0..ntasks-1 on min(threads, ntasks)
// goroutines; worker is in [0, threads) and identifies per-worker scratch.
// Tasks are handed out in increasing order. The first error (a returned
// error, a recovered panic as *PanicError, or ErrCancelled when ctx is done
// or progress returns false) stops the hand-out of further tasks and is
// returned once every worker has finished. progress may be nil; it is
// called at most every Interval and once at the end of a successful run;
// if that last call returns false, Run returns ErrCancelled too.
func Run(ctx context.Context, threads, ntasks int, fn func(worker, task int) error, progress Progress) error {
	if ntasks <= 0 {
		if progress != nil {
			progress(0, 0)
		}
		return nil
	}
	threads = min(Threads(threads), ntasks)
	var (
		next, done atomic.Int64
		stop       atomic.Bool
		once       sync.Once
		first      error
		wg         sync.WaitGroup
	)
	fail := func(err error) {
		once.Do(func() { first = err })
		stop.Store(true)
	}
	for w := 0; w < threads; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					fail(&PanicError{Value: r, Stack: debug.Stack()})
				}
			}()
			for !stop.Load() {
				t := int(next.Add(1) - 1)
				if t >= ntasks {
					return
				}
				if err := fn(w, t); err != nil {
					fail(err)
					return
				}
				done.Add(1)
			}
		}(w)
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	tick := time.NewTicker(Interval)
	defer tick.Stop()
	for {
		select {
		case <-finished:
			if first == nil && ctx.Err() != nil {
				first = ErrCancelled
			}
			if first == nil && progress != nil && !progress(ntasks, ntasks) {
				first = ErrCancelled // callers that run several phases stop here
			}
			return first
		case <-ctx.Done():
			fail(ErrCancelled)
			<-finished
			return first
		case <-tick.C:
			if progress != nil && !stop.Load() && !progress(int(done.Load()), ntasks) {
				fail(ErrCancelled)
			}
		}
	}
}
