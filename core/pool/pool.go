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

// FaultAddr reports whether err is a worker's memory fault (a *PanicError
// of a runtime error with a faulting address) and the address.
func FaultAddr(err error) (uintptr, bool) {
	var pe *PanicError
	if !errors.As(err, &pe) {
		return 0, false
	}
	if f, ok := pe.Value.(interface{ Addr() uintptr }); ok {
		return f.Addr(), true
	}
	return 0, false
}

// MaxThreads bounds every threads option (the C ABI's, the commands',
// the engines'): engines keep scratch slots per thread, and a count far
// beyond any machine's (--threads 99999999999) ended the Go runtime for
// want of memory.
const MaxThreads = 4096

// CheckThreads returns an error naming the option name unless n is a
// valid thread count: 0 (all cores) to MaxThreads. Callers wrap it with
// their own parameter error.
func CheckThreads(name string, n int) error {
	if n < 0 || n > MaxThreads {
		return fmt.Errorf("%s=%d, want 0 (all cores) .. %d", name, n, MaxThreads)
	}
	return nil
}

// Threads returns the worker count for a requested count: n itself if
// n > 0 (at most MaxThreads), otherwise GOMAXPROCS.
func Threads(n int) int {
	if n > 0 {
		return min(n, MaxThreads)
	}
	return runtime.GOMAXPROCS(0)
}

// Progress is called on the goroutine that called Run with the number of
// finished tasks and the total. Returning false cancels the run.
type Progress func(done, total int) bool

// Interval is how often Run reports progress and polls for cancellation.
var Interval = 100 * time.Millisecond

// Run calls fn(worker, task) for task = 0..ntasks-1 on min(threads, ntasks)
// workers; worker is in [0, threads) and identifies per-worker scratch.
// Worker 0 is the calling goroutine itself, the others are goroutines, so a
// run on one thread starts nothing and wakes nobody (a tiny call costs
// microseconds). Tasks are handed out in increasing order. The first error
// (a returned error, a recovered panic as *PanicError, or ErrCancelled when
// ctx is done or progress returns false) stops the hand-out of further
// tasks and is returned once every worker has finished.
//
// progress may be nil. It is called on the calling goroutine, between its
// own tasks, at most every Interval, and once at the end of a successful
// run; if that last call returns false, Run returns ErrCancelled too. Tasks
// should be short (well under Interval) for progress and cancellation to
// be prompt.
func Run(ctx context.Context, threads, ntasks int, fn func(worker, task int) error, progress Progress) error {
	return RunPolled(ctx, threads, ntasks, func(w, t int, _ func() bool) error { return fn(w, t) }, progress)
}

// RunPolled is Run for tasks that cannot be short (a bleaching block runs
// along the whole time axis: 4 s on a loaded machine, and Ctrl+C waited
// for its end): fn gets stopped, which reports whether the run is being
// stopped (an error, ctx done, or progress returning false), to call now
// and then, and to return ErrCancelled when it returns true (its work is
// then unfinished). On the calling goroutine, stopped also calls progress
// (at most every Interval, with the tasks finished so far), the only
// place where a host's Ctrl+C is seen.
func RunPolled(ctx context.Context, threads, ntasks int, fn func(worker, task int, stopped func() bool) error, progress Progress) error {
	if ntasks <= 0 {
		if progress != nil && !progress(0, 0) {
			return ErrCancelled
		}
		return nil
	}
	threads = min(Threads(threads), ntasks)
	var (
		next, done atomic.Int64
		stop       atomic.Bool
		mu         sync.Mutex
		first      error
		wg         sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		stop.Store(true)
	}
	work := func(w int, report func()) {
		stopped := func() bool {
			if report != nil {
				report()
			}
			return stop.Load() || ctx.Err() != nil
		}
		// A fault on memory that went away (a mapped input file truncated
		// while it is read) panics instead of killing the process, and the
		// panic becomes the run's error (see FaultAddr).
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				fail(&PanicError{Value: r, Stack: debug.Stack()})
			}
		}()
		for !stop.Load() {
			if ctx.Err() != nil {
				fail(ErrCancelled)
				return
			}
			t := int(next.Add(1) - 1)
			if t >= ntasks {
				return
			}
			if err := fn(w, t, stopped); err != nil {
				fail(err)
				return
			}
			done.Add(1)
			if report != nil {
				report()
			}
		}
	}
	for w := 1; w < threads; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			work(w, nil)
		}(w)
	}
	var report func()
	if progress != nil {
		last := time.Now()
		report = func() {
			if now := time.Now(); now.Sub(last) >= Interval {
				last = now
				if !progress(int(done.Load()), ntasks) {
					fail(ErrCancelled)
				}
			}
		}
	}
	work(0, report)
	if threads > 1 {
		// The caller has no tasks left; keep reporting while the others finish.
		finished := make(chan struct{})
		go func() { wg.Wait(); close(finished) }()
		var tick <-chan time.Time
		if progress != nil {
			t := time.NewTicker(Interval)
			defer t.Stop()
			tick = t.C
		}
		cancelled := ctx.Done()
	wait:
		for {
			select {
			case <-finished:
				break wait
			case <-cancelled:
				cancelled = nil // closed: do not select it again
				fail(ErrCancelled)
			case <-tick:
				if !stop.Load() && !progress(int(done.Load()), ntasks) {
					fail(ErrCancelled)
				}
			}
		}
	}
	if first == nil && ctx.Err() != nil {
		first = ErrCancelled
	}
	if first == nil && progress != nil && !progress(ntasks, ntasks) {
		first = ErrCancelled // callers that run several phases stop here
	}
	return first
}
