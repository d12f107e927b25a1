package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunAllTasksOnce(t *testing.T) {
	for _, threads := range []int{0, 1, 2, 7, 100} {
		seen := make([]int32, 1000)
		err := Run(context.Background(), threads, len(seen), func(w, task int) error {
			atomic.AddInt32(&seen[task], 1)
			return nil
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range seen {
			if s != 1 {
				t.Fatalf("threads=%d: task %d ran %d times", threads, i, s)
			}
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	err := Run(context.Background(), 4, 100, func(w, task int) error {
		if task == 42 {
			var m map[int]int
			m[1] = 1 // nil map write
		}
		return nil
	}, nil)
	var pe *PanicError
	if !errors.As(err, &pe) || len(pe.Stack) == 0 {
		t.Fatalf("err = %v, want a *PanicError with a stack", err)
	}
}

func TestFirstErrorWins(t *testing.T) {
	want := errors.New("boom")
	var ran atomic.Int32
	err := Run(context.Background(), 2, 100000, func(w, task int) error {
		ran.Add(1)
		if task == 3 {
			return want
		}
		return nil
	}, nil)
	if err != want {
		t.Fatalf("err = %v", err)
	}
	if ran.Load() > 1000 {
		t.Fatalf("%d tasks ran after the error", ran.Load())
	}
}

func TestCancelByContextAndProgress(t *testing.T) {
	Interval = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := Run(ctx, 2, 1<<30, func(w, task int) error { time.Sleep(time.Millisecond); return nil }, nil)
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("context: err = %v", err)
	}
	calls := 0
	err = Run(context.Background(), 2, 1<<30, func(w, task int) error { time.Sleep(time.Millisecond); return nil },
		func(done, total int) bool { calls++; return calls < 3 })
	if !errors.Is(err, ErrCancelled) || calls != 3 {
		t.Fatalf("progress: err = %v after %d calls", err, calls)
	}
	var last [2]int
	err = Run(context.Background(), 2, 10, func(w, task int) error { return nil },
		func(done, total int) bool { last = [2]int{done, total}; return true })
	if err != nil || last != [2]int{10, 10} {
		t.Fatalf("final progress %v, err %v", last, err)
	}
}

func TestFinalProgressCancels(t *testing.T) {
	err := Run(context.Background(), 2, 3, func(w, task int) error { return nil },
		func(done, total int) bool { return done < total })
	if !errors.Is(err, ErrCancelled) {
		t.Fatalf("err = %v, want ErrCancelled from the final progress call", err)
	}
}

// TestCheckThreads checks the one range of every threads option, and that
// Threads never hands out more workers than it allows.
func TestCheckThreads(t *testing.T) {
	for _, n := range []int{0, 1, 2, MaxThreads} {
		if err := CheckThreads("threads", n); err != nil {
			t.Errorf("%d: %v", n, err)
		}
	}
	for _, n := range []int{-1, MaxThreads + 1, 99999999999} {
		err := CheckThreads("--threads", n)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("--threads=%d, want 0 (all cores) .. %d", n, MaxThreads)) {
			t.Errorf("%d: %v", n, err)
		}
	}
	if got := Threads(99999999999); got != MaxThreads {
		t.Errorf("Threads(99999999999) = %d, want %d", got, MaxThreads)
	}
	if got := Threads(3); got != 3 {
		t.Errorf("Threads(3) = %d", got)
	}
}
