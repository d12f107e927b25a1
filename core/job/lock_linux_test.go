package job

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/ooc"
)

// TestLockRefusedByTheFileSystem: a lock file the file system will not
// create (in /sys, where even root gets EACCES) is an I/O error that
// names the output and wraps the system's error (fs.ErrPermission, so
// IPCF_E_IO in the C API and IpcfIOError in Python), not a refused output
// (job.ErrOutput: IPCF_E_INVALID_ARGUMENT, a ValueError, as before).
func TestLockRefusedByTheFileSystem(t *testing.T) {
	if st, err := os.Stat("/sys"); err != nil || !st.IsDir() {
		t.Fatalf("/sys is not a folder here (%v): the test needs Linux's sysfs", err)
	}
	release, err := Lock("/sys/ipcf-lock-test.npy")
	if err == nil {
		release()
		t.Fatal("a lock in /sys was taken")
	}
	if !errors.Is(err, fs.ErrPermission) || errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "/sys/ipcf-lock-test.npy") {
		t.Errorf("lock in /sys: %v; want the permission error, not ErrOutput, naming the output", err)
	}
}

// TestBusyNamesItsHolder: a run that finds the lock taken while its holder
// has not yet written its line (two runs started at once) reads again for
// a moment, and names the holder, or says the run has just started: the
// message named "()" (the ABI campaign).
func TestBusyNamesItsHolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.npy")
	f, err := os.OpenFile(LockName(out), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := tryLock(f); err != nil {
		t.Fatal(err)
	}
	// (the holder, this process, is named where /proc/locks lists it, as
	// another call in this process: CAPI14's M6)
	who := "another ipcf run"
	if lockHolderPid(f) == os.Getpid() {
		who = "another call in this process"
	}
	if _, err := Lock(out); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "another ipcf run (a run that has just started)") &&
		!strings.Contains(err.Error(), fmt.Sprintf("%s (pid %d on %s, a run that has just started)", who, os.Getpid(), hostname())) {
		t.Errorf("an empty lock held: %v", err)
	}
	line := fmt.Sprintf("pid %d on %s since now", os.Getpid(), hostname())
	go func() {
		time.Sleep(20 * time.Millisecond)
		f.WriteAt([]byte(line+"\n"), 0)
	}()
	if _, err := Lock(out); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), who+" ("+line+")") {
		t.Errorf("a holder writing its line: %v (want %q)", err, who)
	}
}

// TestLockLineReadableWhileWritten: a run taking the lock of a stopped
// run (its line left in the file) never leaves the file without a
// holder's line, which LockHolder reads: the file was emptied, then
// written, and a reader in between found no lock, so an output the stopped
// run left unpublished was taken for a user's array.
func TestLockLineReadableWhileWritten(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.npy")
	stale := "pid 999999999 on " + hostname() + " since 2026-12-06T00:00:00Z, a longer line than this run's\n"
	if err := os.WriteFile(LockName(out), []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []string
	lockWritten = func() {
		h, found, live := LockHolder(out)
		seen = append(seen, fmt.Sprintf("%q found %v live %v", h, found, live))
		if !found || !live {
			t.Errorf("while the lock's line is written: %q, found %v, live %v; want this run's line", h, found, live)
		}
	}
	defer func() { lockWritten = nil }()
	release, err := Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if len(seen) != 1 {
		t.Fatalf("the hook ran %d times", len(seen))
	}
	b, err := os.ReadFile(LockName(out))
	want := fmt.Sprintf("pid %d on %s since ", os.Getpid(), hostname())
	st, _ := processStart(os.Getpid())
	if err != nil || !strings.HasPrefix(string(b), want) || !strings.HasSuffix(string(b), "\nstart "+st+"\n") || strings.Count(string(b), "\n") != 2 {
		t.Errorf("lock file %q (%v); want this run's line and its start %s", b, err, st)
	}
}

// TestLockHolderPidTakenOver: a lock left by a stopped run whose pid a
// live process has since taken (a container's runs all start as the same
// pid) is a stopped run's, told by the start time the lock records; it
// read as live, and readers waited for a run that would never finish.
func TestLockHolderPidTakenOver(t *testing.T) {
	st, ok := processStart(os.Getpid())
	if !ok || st == "0" {
		t.Fatalf("processStart(self) = %q, %v: /proc/self/stat not read", st, ok)
	}
	if _, ok := processStart(999999999); ok {
		t.Error("processStart of no process: known")
	}
	out := filepath.Join(t.TempDir(), "o.npy")
	line := fmt.Sprintf("pid %d on %s since 2026-12-06T00:00:00Z", os.Getpid(), hostname())
	for _, c := range []struct {
		file string
		live bool
	}{
		{line + "\nstart " + st + "\n", true},
		{line + "\nstart 1\n", false},  // another process, the same pid
		{line + "\n", true},            // no start recorded (an older run): the pid alone
		{line + "\nstart 1", false},    // no newline after it
		{line + "\nsomething\n", true}, // not a start line: ignored
	} {
		if err := os.WriteFile(LockName(out), []byte(c.file), 0o644); err != nil {
			t.Fatal(err)
		}
		h, found, live := LockHolder(out)
		if h != line || !found || live != c.live {
			t.Errorf("lock %q: holder %q, found %v, live %v; want the first line, found, live %v", c.file, h, found, live, c.live)
		}
	}
	// A run's own lock reads as live.
	os.Remove(LockName(out))
	release, err := Lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if h, found, live := LockHolder(out); !found || !live || !strings.HasPrefix(h, fmt.Sprintf("pid %d on ", os.Getpid())) {
		t.Errorf("this run's lock: %q, found %v, live %v", h, found, live)
	}
}

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// TestLockKeptEnded: a lock kept by a run whose publication was left half
// done (release(true)) stays, read as a stopped run's though its process
// (a host such as Python) lives on.
func TestLockKeptEnded(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.npy")
	release, _, err := lock(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, found, live := LockHolder(out); !found || !live {
		t.Fatalf("held: found %v, live %v", found, live)
	}
	release(true)
	h, found, live := LockHolder(out)
	if !found || live || !strings.HasPrefix(h, fmt.Sprintf("pid %d on ", os.Getpid())) {
		t.Errorf("kept: %q, found %v, live %v; want this run's line, stopped", h, found, live)
	}
	// Another host's lock that ended: not live either (another host's
	// is taken as live otherwise).
	os.WriteFile(LockName(out), []byte("pid 7 on another-host-of-the-folder since then\nended\n"), 0o644)
	if _, found, live := LockHolder(out); !found || live {
		t.Errorf("another host's ended lock: found %v, live %v", found, live)
	}
	os.WriteFile(LockName(out), []byte("pid 7 on another-host-of-the-folder since then\n"), 0o644)
	if _, found, live := LockHolder(out); !found || !live {
		t.Errorf("another host's lock: found %v, live %v", found, live)
	}
	// The next run takes it, and its release removes it.
	release2, _, err := lock(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, found, live := LockHolder(out); !found || !live {
		t.Errorf("taken again: found %v, live %v", found, live)
	}
	release2(false)
	if _, err := os.Lstat(LockName(out)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("released: the lock file is left (%v)", err)
	}
}

// TestLockTakeoverOfLongerEnded: a run taking over a kept lock ("ended")
// whose text is longer than its own reads as live at every moment: the
// earlier "ended" line was left past the new line until the file was cut,
// and a reader took the live run for a stopped one (REVIEW8's F10). The
// busy message shows the holder's first line only (not the start line).
func TestLockTakeoverOfLongerEnded(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "o.npy")
	old := "pid 123456 on a-much-longer-host-name-of-a-cluster-node-0042.example.org since 2026-12-06T22:36:41Z\nstart 123456789\nended\n"
	if err := os.WriteFile(LockName(out), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	var holder string
	var found, live bool
	lockWritten = func() { holder, found, live = LockHolder(out) }
	defer func() { lockWritten = nil }()
	release, _, err := lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer release(false)
	if !found || !live {
		t.Errorf("between the writes: holder %q found %v live %v; want a live holder", holder, found, live)
	}
	if b, _ := os.ReadFile(LockName(out)); strings.Contains(string(b), "ended") || strings.Count(string(b), "\n") > 2 {
		t.Errorf("the lock after the cut: %q", b)
	}
	// A second run of the same output is told who writes it, in one line.
	done := make(chan error, 1)
	go func() {
		_, _, err := lock(out)
		done <- err
	}()
	if err := <-done; !errors.Is(err, ErrBusy) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), fmt.Sprintf("pid %d on", os.Getpid())) {
		t.Errorf("a second run: %v; want ErrBusy naming this process in one line", err)
	}
}

// TestLockTakeoverOfHugeFile: a stale lock file of 1 TiB (sparse: a
// damaged or planted one that starts as a lock does) is taken over and
// cut; the padding of a takeover went to the earlier file's end, allocated
// whole, and the run died out of memory with its host (REVIEW9's F3).
func TestLockTakeoverOfHugeFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.npy")
	if err := os.WriteFile(LockName(out), []byte("pid 1 on nohost since 2020\nended\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(LockName(out), 1<<40); err != nil {
		t.Fatalf("a sparse 1 TiB file: %v", err)
	}
	var live bool
	lockWritten = func() { _, _, live = LockHolder(out) }
	defer func() { lockWritten = nil }()
	release, _, err := lock(out)
	if err != nil {
		t.Fatal(err)
	}
	defer release(false)
	if !live {
		t.Error("between the writes: the lock read as not live")
	}
	if st, err := os.Stat(LockName(out)); err != nil || st.Size() > lockTextMax {
		t.Errorf("the lock after the takeover: %v, %v bytes", err, st.Size())
	}
}

// TestLockBusyNamesNoDeadHolder: a run that finds the output locked by a
// run that has not yet written its line over a kept lock's text (a dead
// pid, "ended") does not name that dead holder as the one writing it
// (REVIEW9's F5, a race of runs started together).
func TestLockBusyNamesNoDeadHolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.npy")
	host, _ := os.Hostname()
	for _, text := range []string{
		"pid 99999999 on " + host + " since 2020-01-01T00:00:00Z\n",
		"pid 12345 on otherhost since 2020-01-01T00:00:00Z\nended\n",
	} {
		f := heldLock(t, out, text)
		_, _, err := lock(out)
		f.Close()
		// A pid this system does not see running is named as such (it
		// may be a run in another container: REVIEW10's F5), an ended
		// run not at all.
		if !errors.Is(err, ErrBusy) || strings.Contains(err.Error(), "pid 12345") ||
			(strings.Contains(err.Error(), "pid 99999999") && !strings.Contains(err.Error(), "pid 99999999 on "+host+" since 2020-01-01T00:00:00Z, a process this system does not see")) {
			t.Errorf("over the text %q: %v; want ErrBusy not naming that run as the writer", text, err)
		}
	}
}

// TestLockBusyOtherHostsKeptLock: over a kept lock of a run on another
// host (killed: no "ended" line), a losing run names the winner, which
// writes its line after the loser's first read, not that other host's
// run (REVIEW10's F4: its line was taken as live at once); a run on
// another host that holds the lock is still named.
func TestLockBusyOtherHostsKeptLock(t *testing.T) {
	defer func() { lockRead, lockHolderPid = nil, flockHolder }()
	out := filepath.Join(t.TempDir(), "o.npy")
	host, _ := os.Hostname()
	other := "pid 12345 on otherhost-" + host + " since 2020-01-01T00:00:00Z\n"
	winner := fmt.Sprintf("pid %d on %s since 2026-01-01T00:00:00Z\n", os.Getpid(), host)
	// (this process holds the flock: /proc/locks names it, a run here)
	slow := fmt.Sprintf("pid %d on %s, a run that has just started", os.Getpid(), host)
	for _, tc := range []struct {
		name, after, want, notWant string
		remote                     bool // the holder not seen here
	}{
		{"winner writes its line", winner, winner[:len(winner)-1], "otherhost", false},
		{"winner slow to write its line", "", slow, "otherhost", false},
		{"other host holds it", "", other[:len(other)-1], "does not see", true},
	} {
		lockHolderPid = flockHolder
		if tc.remote {
			lockHolderPid = func(*os.File) int { return 0 }
		}
		f := heldLock(t, out, other)
		reads := 0
		lockRead = func() {
			if reads++; reads == 1 && tc.after != "" {
				f.WriteAt([]byte(tc.after), 0)
				f.Truncate(int64(len(tc.after)))
			}
		}
		_, _, err := lock(out)
		f.Close()
		if !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "("+tc.want+")") || strings.Contains(err.Error(), tc.notWant) {
			t.Errorf("%s: %v; want ErrBusy naming %q", tc.name, err, tc.want)
		}
	}
}

// heldLock writes text as the lock of out and takes it, as a run that
// holds it: the caller closes the file to release it.
func heldLock(t *testing.T, out, text string) *os.File {
	t.Helper()
	if err := os.WriteFile(LockName(out), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(LockName(out), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := tryLock(f); busy || err != nil {
		t.Fatalf("taking the lock: %v %v", busy, err)
	}
	return f
}

// TestLockStoppedKeptUnlessPublished: a run that takes over the lock of a
// stopped run (killed, or "ended" by a publication left half done) and
// ends without publishing (a refused or failed command) puts that run's
// text back while the files at the output still lack their metadata: it
// removed the lock, and readers took the half-published files for a
// user's array (JOBKILL18's F1). Once the metadata are there, or nothing
// is, the lock is removed as before.
func TestLockStoppedKeptUnlessPublished(t *testing.T) {
	dir := t.TempDir()
	stopped := "pid 999999999 on " + hostname() + " since 2026-12-07T00:00:00Z\n"
	ended := fmt.Sprintf("pid %d on %s since 2026-12-07T00:00:00Z\nended\n", os.Getpid(), hostname())
	for _, c := range []struct {
		desc, out, text string
		files           []string // written before the run
		kept            bool
	}{
		{"a .npy without its sidecar, a killed run's lock", "o.npy", stopped, []string{"o.npy"}, true},
		{"a .npy without its sidecar, an ended lock", "o.npy", ended, []string{"o.npy"}, true},
		{"error bars without their result's sidecar", "o.sd.npy", stopped, []string{"o.npy", "o.sd.npy"}, true},
		{"a Zarr folder without .zattrs", "o.zarr", stopped, []string{"o.zarr/0/.zarray"}, true},
		{"a .npy with its sidecar", "o.npy", stopped, []string{"o.npy", "o.npy.json"}, false},
		{"error bars with their result's sidecar", "o.sd.npy", stopped, []string{"o.npy", "o.npy.json", "o.sd.npy"}, false},
		{"a Zarr folder with .zattrs", "o.zarr", stopped, []string{"o.zarr/.zattrs"}, false},
		{"nothing at the output", "o.npy", stopped, nil, false},
		// a result named X.sd.npy, with its own sidecar (REVIEW21's F2)
		{"a result named cell.sd.npy with its sidecar", "cell.sd.npy", stopped, []string{"cell.sd.npy", "cell.sd.npy.json"}, false},
		// a fit's companions, named by their maps' sidecar (REVIEW21's F1)
		{"a fit's standard errors named by their maps' sidecar", "m.stderr.npy", stopped, []string{"m.npy", "m.npy.json", "m.stderr.npy"}, false},
		{"a fit's standard errors without their maps' sidecar", "m.stderr.npy", stopped, []string{"m.npy", "m.stderr.npy"}, true},
		// another host's run that left its lock: stopped too, once this run
		// holds the flock (REVIEW21's F3)
		{"a .npy without its sidecar, another host's lock", "o.npy", "pid 7 on another-host-of-the-folder since 2026-12-07T00:00:00Z\n", []string{"o.npy"}, true},
	} {
		sub := filepath.Join(dir, strings.ReplaceAll(c.desc, " ", "_"))
		for _, f := range c.files {
			p := filepath.Join(sub, f)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			b := []byte("x")
			if strings.HasSuffix(f, ".npy.json") {
				// metadata that name their parts, sealed as ipcf writes them
				sealed, err := ooc.Seal(map[string]any{"software": ooc.Marker,
					"errors":     map[string]any{"file": "o.sd.npy"},
					"companions": map[string]any{"stderr": map[string]any{"file": "m.stderr.npy"}}})
				if err != nil {
					t.Fatal(err)
				}
				b = sealed
			}
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(sub, c.out)
		if err := os.WriteFile(LockName(out), []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		release, err := Lock(out)
		if err != nil {
			t.Fatalf("%s: %v", c.desc, err)
		}
		if _, found, live := LockHolder(out); !found || !live {
			t.Errorf("%s: held: found %v, live %v", c.desc, found, live)
		}
		release()
		b, err := os.ReadFile(LockName(out))
		switch {
		case c.kept && (err != nil || string(b) != c.text):
			t.Errorf("%s: the stopped run's lock after a run that did not publish: %q (%v), want %q", c.desc, b, err, c.text)
		case c.kept:
			if _, found, live := LockHolder(out); !found || live && !strings.Contains(c.text, "another-host") {
				t.Errorf("%s: kept lock: found %v, live %v, want a stopped run's", c.desc, found, live)
			}
		case !errors.Is(err, os.ErrNotExist):
			t.Errorf("%s: the lock file is left (%q, %v)", c.desc, b, err)
		}
	}
}

// TestStoppedPublicationWithoutScratch: a .npy without its sidecar beside
// a stopped run's lock, whose scratch is gone (another job's run removed
// it before failing), cannot be finished by any run: refused saying so,
// and what to remove; the refusal keeps the lock (readers still refuse the
// file), and a user's file without such a lock is refused as before
// (JOBKILL18's F2: readers said "run that job again to finish it", which
// refused "not an ipcf result").
func TestStoppedPublicationWithoutScratch(t *testing.T) {
	dir := t.TempDir()
	s := DefaultSpec()
	s.Input.Path, s.Output = writeInput(t, dir, 0), filepath.Join(dir, "o.npy")
	s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 4, 4
	if err := os.WriteFile(s.Output, []byte("half published"), 0o644); err != nil {
		t.Fatal(err)
	}
	text := "pid 999999999 on " + hostname() + " since 2026-12-07T00:00:00Z\n"
	if err := os.WriteFile(LockName(s.Output), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	err := openRun(s)
	if !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "is not an ipcf result this job can finish or replace") ||
		!strings.Contains(err.Error(), "whose work this job cannot resume") ||
		!strings.Contains(err.Error(), "remove "+s.Output+" and its lock .o.npy.lock, or choose another name") {
		t.Errorf("a stopped publication without scratch: %v", err)
	}
	if b, _ := os.ReadFile(LockName(s.Output)); string(b) != text {
		t.Errorf("the stopped run's lock after the refusal: %q", b)
	}
	if b, _ := os.ReadFile(s.Output); string(b) != "half published" {
		t.Errorf("o.npy changed: %q", b)
	}
	// a sidecar there that describes other bytes: said so, not "no metadata" (REVIEW21's m1)
	if err := os.WriteFile(ooc.SidecarName(s.Output), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := openRun(s); !errors.Is(err, ErrOutput) || strings.Contains(err.Error(), "has no metadata") {
		t.Errorf("a stopped run's lock, a sidecar of other bytes: %v", err)
	}
	os.Remove(ooc.SidecarName(s.Output))
	os.Remove(LockName(s.Output))
	if err := openRun(s); !errors.Is(err, ErrOutput) || !strings.Contains(err.Error(), "is not an ipcf result (no ipcf sidecar") {
		t.Errorf("a user's file: %v", err)
	}
}
