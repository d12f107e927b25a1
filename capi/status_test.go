package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/source"
)

// sentinelRE finds exported package-level sentinels:
// `ErrX = errors.New("...")` or `ErrX = fmt.Errorf("...")`.
var sentinelRE = regexp.MustCompile(`(?m)^\s*(?:var\s+)?(Err[A-Z]\w*)\s*=\s*(?:errors\.New|fmt\.Errorf)\(("(?:[^"\\]|\\.)*")\)`)

// coreSentinels parses core/**/*.go (not tests) for sentinels, keyed
// "pkg.ErrX", with their messages and whether the package is internal.
func coreSentinels(t *testing.T) map[string]struct {
	msg      string
	internal bool
} {
	t.Helper()
	out := map[string]struct {
		msg      string
		internal bool
	}{}
	err := filepath.WalkDir("../core", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range sentinelRE.FindAllStringSubmatch(string(b), -1) {
			msg, err := strconv.Unquote(m[2])
			if err != nil {
				return fmt.Errorf("%s: %v", p, err)
			}
			key := filepath.Base(filepath.Dir(p)) + "." + m[1]
			out[key] = struct {
				msg      string
				internal bool
			}{msg, strings.Contains(filepath.ToSlash(p), "/internal/")}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 10 {
		t.Fatalf("found only %d sentinels in core/: the parser is broken", len(out))
	}
	return out
}

// TestStatusTable checks that every exported sentinel error of core maps to
// a documented status other than IPCF_E_INTERNAL, through wrapping too.
func TestStatusTable(t *testing.T) {
	rows := map[string]int{}
	for i, e := range statusTable {
		rows[e.name] = i
	}
	for name, s := range coreSentinels(t) {
		if s.internal {
			if _, found := internalSentinels[name]; !found {
				t.Errorf("%s (internal) is not in internalSentinels: say which public sentinel wraps it", name)
			}
			continue
		}
		i, found := rows[name]
		if !found {
			t.Errorf("%s (%q) has no row in statusTable", name, s.msg)
			continue
		}
		e := statusTable[i]
		if e.err.Error() != s.msg {
			t.Errorf("%s: the table's error says %q, the source %q", name, e.err.Error(), s.msg)
		}
		if e.code == eInternal || e.code <= ok || e.code > eForked {
			t.Errorf("%s maps to status %d, want a documented status other than IPCF_E_INTERNAL", name, e.code)
		}
	}
	for _, e := range statusTable {
		wrapped := fmt.Errorf("capi test: %w: detail", e.err)
		if got := statusOf(wrapped); got != e.code {
			t.Errorf("statusOf(wrapped %s) = %d, want %d (an earlier row shadows it)", e.name, got, e.code)
		}
	}
	for name, pub := range internalSentinels {
		if _, found := rows[pub]; !found {
			t.Errorf("internal %s is said to be wrapped by %s, which has no row", name, pub)
		}
	}
}

// TestStatusOfOthers: an apiError keeps its code; an unknown error is
// IPCF_E_INVALID_ARGUMENT, never IPCF_E_INTERNAL.
func TestStatusOfOthers(t *testing.T) {
	if got := statusOf(fail(eBusy, "x")); got != eBusy {
		t.Errorf("apiError: %d", got)
	}
	if got := statusOf(fmt.Errorf("plain")); got != eInvalid {
		t.Errorf("plain error: %d", got)
	}
	if got := statusOf(&os.PathError{Op: "open", Path: "/x", Err: fs.ErrNotExist}); got != eIO {
		t.Errorf("PathError: %d", got)
	}
	// A storage failure wrapped in a job's sentinel of bad input or
	// output is IPCF_E_IO (job.ErrInput's "bad input: read ...:
	// input/output error" was IPCF_E_INVALID_ARGUMENT: FAULT12's F3);
	// the sentinel's own errors keep their status.
	for _, errno := range []syscall.Errno{syscall.EIO, syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS, syscall.ESTALE} {
		read := &os.PathError{Op: "read", Path: "/in.npy", Err: errno}
		for _, wrapped := range []error{fmt.Errorf("%w: %w", job.ErrInput, read), fmt.Errorf("%w: %w", job.ErrOutput, read),
			fmt.Errorf("%w: %w", source.ErrFormat, read)} {
			if got := statusOf(wrapped); got != eIO {
				t.Errorf("%v: %d, want IPCF_E_IO", wrapped, got)
			}
		}
	}
	if got := statusOf(fmt.Errorf("%w: the input's frames are not counts", job.ErrInput)); got != eInvalid {
		t.Errorf("bad input: %d, want IPCF_E_INVALID_ARGUMENT", got)
	}
}
