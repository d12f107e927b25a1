package job

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/ipcf/ipcf/core/ooc"
)

// nameMax is the longest file name the file systems take (NAME_MAX).
const nameMax = 255

// NameMax is nameMax, for the commands' own checks of the names they
// write beside an output.
const NameMax = nameMax

// LockName is the lock file of an output.
func LockName(out string) string {
	out = strings.TrimRight(out, "/")
	return filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".lock")
}

// Lock takes an exclusive lock on the output out (flock on a hidden file
// beside it, LockName, released by the kernel when the process dies) and
// returns its release; it fails at once with ErrBusy, naming the holder,
// if another run holds it. Every command that writes an output takes it.
func Lock(out string) (func(), error) {
	release, _, err := lock(out)
	if err != nil {
		return nil, err
	}
	return func() { release(false) }, nil
}

// lockWritten, in tests, runs between the two writes of a lock's line;
// lockRead after each read of a busy lock's text.
var lockWritten, lockRead func()

// lock is Lock whose release keeps the lock file when asked (keep): its
// line then names a stopped run, and readers refuse the output as one
// (a publication left half done: ooc.ErrUnlabelled). held reports, while
// the lock is held, whether its file is still the one locked: removed or
// replaced (the output's folder removed and made again, and another run
// started there, which took a lock of its own), this run must publish and
// remove nothing at those paths (OOC20's F1: it published the other run's
// partial file and removed its scratch, exit 0).
func lock(out string) (release func(keep bool), held func() error, err error) {
	name := LockName(out)
	if partial := filepath.Base(ooc.PartialName(out)); len(partial) > nameMax {
		// The longest name a run writes beside its output (.NAME.partial,
		// the scratch note .NAME.scratch): refused before any work, as a
		// name too long for the lock is. One a few bytes shorter took the
		// lock, computed, then failed and left its scratch behind, and so
		// did every rerun (HOSTS11's F7).
		return nil, nil, fmt.Errorf("%w: the name of the output %s is too long: ipcf writes it as %s first, %d bytes, and file names take at most %d; choose a shorter name",
			ErrOutput, filepath.Base(strings.TrimRight(out, "/")), partial, len(partial), nameMax)
	}
	for attempt := 0; attempt < 5; attempt++ {
		// Never through a link, never blocking on a FIFO: the file is
		// truncated and written below, so it must be ipcf's own.
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|lockOpenFlags, 0o644)
		if err != nil {
			if isLinkErr(err) {
				return nil, nil, fmt.Errorf("%w: lock %s is a link: not writing through it; remove it", ErrOutput, name)
			}
			if st, serr := os.Lstat(name); serr == nil && !st.Mode().IsRegular() {
				// A folder, a socket: not ipcf's, as a link is not (it was
				// "cannot create the lock file", an I/O error: REVIEW8's M3).
				return nil, nil, fmt.Errorf("%w: lock %s is not a file: not writing it; remove it", ErrOutput, name)
			}
			dir := filepath.Dir(name)
			if st, serr := os.Stat(dir); errors.Is(serr, os.ErrNotExist) || errors.Is(serr, syscall.ENOTDIR) {
				return nil, nil, fmt.Errorf("%w: the folder %s does not exist (the output %s)", ErrOutput, dir, out)
			} else if serr == nil && !st.IsDir() {
				return nil, nil, fmt.Errorf("%w: the folder of %s is not a folder", ErrOutput, out)
			}
			if errors.Is(err, os.ErrPermission) {
				if msg, busy := othersLock(name); msg != "" && busy {
					return nil, nil, fmt.Errorf("%w: %s: %s", ErrBusy, out, msg)
				} else if msg != "" {
					return nil, nil, fmt.Errorf("%w: %s: %s", ErrOutput, out, msg)
				}
			}
			// The file system's own refusal (a read-only folder or file
			// system, no space, an I/O error): an I/O error, as any write
			// of the output would be, not a refused output.
			return nil, nil, fmt.Errorf("cannot create the lock file of the output %s: %w", out, err)
		}
		if err := ownLock(f); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%w: lock %s %v: not writing it; remove it", ErrOutput, name, err)
		}
		if busy, err := tryLock(f); err != nil {
			// The holder writes its line just after it locks: read again
			// for a moment before saying it has none (two runs started at
			// once named "()", a campaign).
			// Until the text names a live holder: a kept lock's earlier
			// text (an "ended" line, a dead pid) is not the run that holds
			// it now, which has yet to write its line (REVIEW9's F5: a
			// losing run named the dead earlier holder).
			// Another host's line is taken as live (its process cannot be
			// asked) only when it reads the same twice: a kept lock's text
			// from a run on another host that was killed was named as the
			// writer before the winner wrote its line (REVIEW10's F4).
			// Where the system lists the flock's holder (Linux's
			// /proc/locks) and it is a process here, another host's line
			// is a killed run's, whatever the time the winner takes to
			// write its own (REVIEW11's F1: 5 ms were not always enough),
			// and that process is named where no line names it.
			var h, last string
			var prev []byte
			local := 0
			for wait := 0; wait < 20; wait++ {
				holder := make([]byte, lockTextMax)
				n, _ := f.ReadAt(holder, 0)
				line, found, live := holderOf(holder[:n])
				if lockRead != nil {
					lockRead()
				}
				other := found && otherHost(line)
				if busy {
					local = lockHolderPid(f)
				}
				if h = line; !busy || (found && live && (!other || local == 0 && bytes.Equal(holder[:n], prev))) {
					break
				}
				prev = holder[:n]
				h = ""
				if !slices.Contains(strings.Split(string(holder[:n]), "\n")[1:], "ended") {
					last = line // (an ended run's line is never the writer)
				}
				time.Sleep(5 * time.Millisecond)
			}
			f.Close()
			switch {
			case h != "":
			case local > 0:
				host, _ := os.Hostname()
				h = fmt.Sprintf("pid %d on %s, a run that has just started", local, host)
			case last != "":
				// A holder this system does not see running holds the lock:
				// a run in another process namespace sharing this host
				// name (a container), or one whose line is still to come
				// (REVIEW10's F5: it was "a run that has just started").
				h = last + ", a process this system does not see: a run in another container, or one that has just started"
			default:
				h = "a run that has just started"
			}
			if busy && local == os.Getpid() {
				// (the holder this system lists is this process: "another
				// ipcf run (pid <this pid>)" puzzled, CAPI14's M6)
				return nil, nil, fmt.Errorf("%w: %s is being written by another call in this process (%s): wait for it to end, or write another output", ErrBusy, out, h)
			}
			if busy {
				return nil, nil, fmt.Errorf("%w: %s is being written by another ipcf run (%s)", ErrBusy, out, h)
			}
			return nil, nil, fmt.Errorf("cannot lock the output %s (%s): %w", out, name, err)
		}
		// The file may have been removed by the previous holder between
		// our open and our lock: then lock the new one.
		st1, err1 := f.Stat()
		st2, err2 := os.Lstat(name)
		if err1 != nil || err2 != nil || !os.SameFile(st1, st2) {
			f.Close()
			continue
		}
		// The line over the earlier one, then the file cut to it: a
		// reader (LockHolder) finds a holder's line at every moment. The
		// file emptied first left a moment when a stopped run's lock read
		// as none, and its unpublished output was taken for a user's array.
		// The holder's line (what messages show), then, where the system
		// tells it, the process's start time: a pid alone named a live
		// holder when a killed run's pid was reused (a container's runs
		// all start as the same pid).
		// The text of a stopped run this lock was left by (killed, or
		// kept "ended" by a publication left half done): the only record
		// that the files at out are an unfinished publication. A run that
		// ends without publishing (refused, failed) puts it back instead of
		// removing the lock; readers took the files for a user's array
		// (JOBKILL18's F1).
		var stopped []byte
		{
			old := make([]byte, lockTextMax)
			n, _ := f.ReadAt(old, 0)
			// Any holder's text found where this run took the flock is a
			// run that holds it no longer: stopped, also another host's,
			// which holderOf takes for live (REVIEW21's F3: a refused
			// command here removed a stopped run's lock of another host).
			if _, found, _ := holderOf(old[:n]); found {
				stopped = old[:n]
			}
		}
		host, _ := os.Hostname()
		line := []byte(fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, time.Now().Format(time.RFC3339)))
		if st, ok := processStart(os.Getpid()); ok {
			line = append(line, "start "+st+"\n"...)
		}
		// Over a longer earlier text (a kept lock's "ended" line after a
		// longer host name or pid), a line of spaces to its end in the
		// same write: no line of it is read before the cut, where the
		// "ended" line made this live run read as stopped (REVIEW8's F10).
		// Readers read the first lockTextMax bytes only: the spaces need
		// not reach further (to a huge or sparse earlier file's end they
		// were allocated whole, and the run died out of memory, its host
		// with it: REVIEW9's F3).
		first := line
		if st, err := f.Stat(); err == nil {
			if end := min(st.Size(), lockTextMax); end > int64(len(line)) {
				first = append(append(append([]byte(nil), line...), bytes.Repeat([]byte(" "), int(end)-len(line)-1)...), '\n')
			}
		}
		f.WriteAt(first, 0)
		if lockWritten != nil {
			lockWritten()
		}
		f.Truncate(int64(len(line)))
		held := func() error {
			st1, err1 := f.Stat()
			st2, err2 := os.Lstat(name)
			if err1 != nil || err2 != nil || !os.SameFile(st1, st2) {
				return fmt.Errorf("%w: the lock %s of the output %s was removed or replaced during the run (its folder removed and made again?): another run may be writing there now, so this run published and removed nothing there; run it again", ErrOutput, name, out)
			}
			return nil
		}
		return func(keep bool) {
			if keep {
				// "ended": the run is over though its process may live
				// on (a Python or ImageJ host).
				if st, err := f.Stat(); err == nil {
					f.WriteAt([]byte("ended\n"), st.Size())
				}
				f.Close()
				return
			}
			if stopped != nil && unfinished(out) {
				// (over this run's line, then cut to it, as above)
				back := stopped
				if st, err := f.Stat(); err == nil && st.Size() > int64(len(stopped)) {
					back = append(append(append([]byte(nil), stopped...), bytes.Repeat([]byte(" "), int(st.Size())-len(stopped)-1)...), '\n')
				}
				f.WriteAt(back, 0)
				f.Truncate(int64(len(stopped)))
				f.Close()
				return
			}
			if held() != nil {
				f.Close() // (the file at that name is another run's: not removed)
				return
			}
			unlockRemove(f, name)
		}, held, nil
	}
	return nil, nil, fmt.Errorf("%w: could not lock %s", ErrBusy, out)
}

// unfinished reports whether out holds files of a publication without
// their metadata, which readers refuse beside a stopped run's lock: a
// file without its sidecar that is no part of a result whose sidecar
// names it (error bars OUT.sd.npy, a fit's MAPS.stderr.npy), a folder
// without its .zattrs.
func unfinished(out string) bool {
	st, err := os.Lstat(out)
	switch {
	case err != nil:
		return false
	case st.IsDir():
		_, err := os.Lstat(filepath.Join(out, ".zattrs"))
		return err != nil
	case !st.Mode().IsRegular():
		return false
	}
	if _, err := os.Lstat(ooc.SidecarName(out)); err == nil {
		return false // (a result of its own, whatever its name: cell.sd.npy, REVIEW21's F2)
	}
	// a part of a result its sidecar names (error bars, a fit's standard
	// errors, chi-square and status maps: REVIEW21's F1) has its metadata
	whole, _ := ooc.PartOf(out)
	return whole == ""
}

// lockHolderPid is flockHolder (tests set another: a holder on another
// host cannot be had in a test).
var lockHolderPid = flockHolder

// lockTextMax is how much of a lock file its readers read (LockHolder,
// the busy messages): the holder's lines fit in it.
const lockTextMax = 200

// holderLine is the line of a lock's text that messages show: its first,
// "pid N on HOST since TIME" (the "start" line after it is the process's
// start in clock ticks, for LockHolder only).
func holderLine(text []byte) string {
	h, _, _ := strings.Cut(strings.TrimSpace(string(text)), "\n")
	return strings.TrimSpace(h)
}

// othersLock describes the lock file name that this user may not open
// for writing when another user owns it, and whether a run holds it (a
// shared read of the file tells): that user's run (busy, with its holder
// line), or a lock left by a run that ended without removing it. "" when
// the file is not another user's (the folder's permissions: the caller's
// error says so).
func othersLock(name string) (msg string, busy bool) {
	st, err := os.Lstat(name)
	if err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	uid, ok := owner(st)
	if !ok || int(uid) == os.Getuid() {
		return "", false
	}
	f, err := os.OpenFile(name, os.O_RDONLY|lockOpenFlags, 0)
	if err != nil {
		return fmt.Sprintf("its lock %s belongs to user %d and cannot be read: remove it if no run of theirs is going", name, uid), false
	}
	defer f.Close()
	holder := make([]byte, lockTextMax)
	n, _ := f.ReadAt(holder, 0)
	if b, _ := tryLock(f); b {
		return fmt.Sprintf("it is being written by another user's ipcf run (user %d: %s)", uid, holderLine(holder[:n])), true
	}
	return fmt.Sprintf("its lock %s belongs to user %d, and no run holds it (one ended without removing it): remove it if the output is yours to write", name, uid), false
}

// ownLock returns an error saying why the open file f is not an ipcf
// lock file: not a regular file, a file with other names (a hard link),
// or one holding something else than an ipcf run's "pid ..." line.
func ownLock(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("is not a file")
	}
	if n := nlink(st); n > 1 {
		return fmt.Errorf("has %d names (a hard link)", n)
	}
	if st.Size() > 0 {
		head := make([]byte, 4)
		if n, _ := f.ReadAt(head, 0); n < 4 || string(head) != "pid " {
			return fmt.Errorf("holds something else than an ipcf run's lock")
		}
	}
	return nil
}

func unsafeFloat32(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// LockHolder reads the lock file of the output out (LockName), without
// locking it (a reader must not make a writer's lock fail): found when
// there is one holding an ipcf run's "pid N on HOST since ..." line
// (holder, that line), and live when that process runs on this host
// (another host's is taken as live) and, where the lock records its start
// time ("start T" on the next line), started then: a process that took
// over a stopped run's pid is not that run. A run whose publication was
// left half done ends its lock with a line "ended" (its process may be a
// host that lives on): not live either. A run removes its lock when it
// ends: one found and not live was stopped (killed) before that, perhaps
// while it published the output.
func LockHolder(out string) (holder string, found, live bool) {
	if p, err := ooc.OutputPath(out); err == nil {
		out = p // (the writers' lock: in the kernel's folder, through link/.. too)
	}
	f, err := os.OpenFile(LockName(out), os.O_RDONLY|lockOpenFlags, 0)
	if err != nil {
		return "", false, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return "", false, false
	}
	b := make([]byte, lockTextMax)
	n, _ := f.ReadAt(b, 0)
	return holderOf(b[:n])
}

// otherHost tells whether a holder's line names another host than this.
func otherHost(line string) bool {
	w := strings.Fields(line)
	host, _ := os.Hostname()
	return len(w) >= 4 && w[3] != host
}

// holderOf is LockHolder of a lock's text (its first lockTextMax bytes).
func holderOf(text []byte) (holder string, found, live bool) {
	lines := strings.Split(string(text), "\n")
	holder = strings.TrimSpace(lines[0])
	w := strings.Fields(holder)
	if len(w) < 4 || w[0] != "pid" || w[2] != "on" {
		return "", false, false
	}
	pid, err := strconv.Atoi(w[1])
	if err != nil || pid <= 0 {
		return "", false, false
	}
	if slices.Contains(lines[1:], "ended") {
		return holder, true, false // (on any host)
	}
	if otherHost(holder) {
		return holder, true, true
	}
	if !processAlive(pid) {
		return holder, true, false
	}
	if len(lines) > 1 {
		if rec, ok := strings.CutPrefix(strings.TrimSpace(lines[1]), "start "); ok {
			if st, known := processStart(pid); known && st != rec {
				return holder, true, false // the pid was taken over
			}
		}
	}
	return holder, true, true
}
