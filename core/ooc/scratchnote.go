package ooc

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/ipcf/ipcf/core/npy"
)

// The scratch note: where the job of an output keeps its scratch folder,
// recorded beside the output (.OUT.scratch) while the folder may exist.
// A later run of that output whose scratch folder is another (--scratch
// changed, or the output reached through another bind mount of its
// folder: the folder is named by the output's path) removes the one the
// note names. Without the note, a killed run's scratch, about the size of
// the frames used, stayed there for good.

// scratchNote is the note's content.
type scratchNote struct {
	Scratch string `json:"scratch"` // the scratch folder
	Output  string `json:"output"`  // the output's absolute path, as that run named it
}

// pathText is a file name or path p as JSON text records it whole:
// itself where it is UTF-8, else "b64:" and its bytes in base64 (and so
// a name that starts with that). JSON holds UTF-8 only: a Latin-1 byte
// was recorded as U+FFFD, and the note named no folder that exists (the
// scratch of a killed run in a folder "donn\xe9es" stayed for good).
func pathText(p string) string {
	if utf8.ValidString(p) && !strings.HasPrefix(p, "b64:") {
		return p
	}
	return "b64:" + base64.StdEncoding.EncodeToString([]byte(p))
}

// textPath is pathText's inverse ("" for b64: text that is not base64).
func textPath(t string) string {
	b64, ok := strings.CutPrefix(t, "b64:")
	if !ok {
		return t
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return ""
	}
	return string(b)
}

// readNote reads the scratch note of output, its paths as written.
func readNote(output string) (n scratchNote, err error) {
	b, err := readOwn(ScratchNoteName(output))
	if err != nil {
		return n, err
	}
	if err := unmarshalExact(b, &n); err != nil {
		return n, err
	}
	n.Scratch, n.Output = textPath(n.Scratch), textPath(n.Output)
	return n, nil
}

// ScratchNoteName is the note of the output at the absolute path output.
func ScratchNoteName(output string) string {
	return filepath.Join(filepath.Dir(output), "."+filepath.Base(output)+".scratch")
}

// NoteScratch records that the job of output (an absolute path) keeps its
// scratch folder in dir (ScratchDir).
func NoteScratch(output, dir string) error {
	dir, err := physicalAbs(dir)
	if err != nil {
		return err
	}
	name := ScratchNoteName(output)
	// A user's file of that name stays (it was replaced without a word);
	// a note of ipcf's, whole or damaged, is replaced.
	if st, err := os.Lstat(name); err == nil && st.Mode().IsRegular() {
		if old, err := readOwn(name); err != nil || !noteOfIpcf(old) {
			return fmt.Errorf("%s is not ipcf's note of a scratch folder: left as it is", name)
		}
	}
	b, _ := json.Marshal(scratchNote{Scratch: pathText(dir), Output: pathText(output)})
	return npy.WriteAtomic(name, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// noteOfIpcf reports whether b is a scratch note's content, or what is
// left of one cut short or damaged past its first key: empty, or
// beginning as NoteScratch writes one.
func noteOfIpcf(b []byte) bool {
	head := []byte(`{"scratch":`)
	var n scratchNote
	return bytes.HasPrefix(b, head) || bytes.HasPrefix(head, b) || unmarshalExact(b, &n) == nil
}

// ForgetScratch removes the note of output (its scratch folder is gone),
// only if it is one: a file of that name that is not a note stays.
func ForgetScratch(output string) {
	if n, err := readNote(output); err != nil || n.Scratch == "" || n.Output == "" {
		return
	}
	os.Remove(ScratchNoteName(output))
}

// KeptScratchOutput is the output path the run that kept the scratch
// folder of output's note used ("" if none): a rerun that finishes it
// names the output so.
func KeptScratchOutput(output string) string {
	n, err := readNote(output)
	if err != nil {
		return ""
	}
	return n.Output
}

// SweepScratch removes the scratch folder that the note of output names
// when it is not dir (this run's, however spelled) and is a scratch folder
// of this output: named for a path of it (the recorded one, whose folder is
// the output's folder, through whatever mount) and a folder of this user.
// It returns the folder removed ("" for none) and removes a note whose
// folder is gone. A scratch that records a result being published (a run
// killed among its renames: only a run with it can tell its files from a
// user's) is kept, and returned as kept, unless force (the output is
// complete: nothing is left to finish). A note that is not one, or names
// something else, is left alone.
func SweepScratch(output, dir string, force bool) (removed, kept string, err error) {
	n, state := notedElsewhere(output, dir)
	switch {
	case state == notedNone:
		return "", "", nil
	case state == notedGone:
		os.Remove(ScratchNoteName(output))
		return "", "", nil
	case state == notedPublishing && !force:
		return "", n.Scratch, nil
	}
	if err := removeScratch(n.Scratch); err != nil {
		return "", "", err
	}
	os.Remove(ScratchNoteName(output))
	return n.Scratch, "", nil
}

// PublishingElsewhere returns the scratch folder that the note of output
// names, other than dir, when it records a result being published ("" if
// not): the files a killed run published are told from a user's by it
// alone, so a run with another scratch refuses them naming it.
func PublishingElsewhere(output, dir string) string {
	if n, state := notedElsewhere(output, dir); state == notedPublishing {
		return n.Scratch
	}
	return ""
}

// What notedElsewhere found.
const (
	notedNone       = iota // no note, not one, or naming dir or something else
	notedGone              // a scratch of this output, gone
	notedScratch           // a scratch of this output, another than dir
	notedPublishing        // that, recording a result being published
)

// notedElsewhere reads the note of output: a scratch folder of this output
// other than dir (however spelled), named for a path of it (the recorded
// one, whose folder is the output's folder, through whatever mount), a
// folder of this user.
func notedElsewhere(output, dir string) (scratchNote, int) {
	n, err := readNote(output)
	if err != nil || n.Scratch == "" || n.Output == "" ||
		!filepath.IsAbs(n.Scratch) || !filepath.IsAbs(n.Output) {
		return n, notedNone
	}
	abs, err := physicalAbs(dir)
	if err != nil || filepath.Clean(n.Scratch) == abs || sameFolder(n.Scratch, abs) {
		return n, notedNone
	}
	if filepath.Base(n.Scratch) != scratchName(n.Output) || filepath.Base(n.Output) != filepath.Base(output) {
		return n, notedNone
	}
	here, err1 := os.Stat(filepath.Dir(output))
	there, err2 := os.Stat(filepath.Dir(n.Output))
	if err1 == nil && errors.Is(err2, os.ErrNotExist) && filepath.Dir(n.Scratch) == filepath.Dir(n.Output) {
		// The output's folder was moved or renamed since a run was killed:
		// the scratch beside the output went with it, under the name of
		// the old path (scratchName), which no later run would use; it
		// stayed for good, a copy of the frames (a campaign's finding).
		moved := filepath.Join(filepath.Dir(output), filepath.Base(n.Scratch))
		if st, err := os.Lstat(moved); err == nil && st.IsDir() {
			n.Scratch, there, err2 = moved, here, nil
		}
	}
	if err1 != nil || err2 != nil || !os.SameFile(here, there) {
		return n, notedNone // another output, or its path no longer reaches it
	}
	st, err := os.Lstat(n.Scratch)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, err := os.Lstat(n.Scratch + ".trash"); errors.Is(err, os.ErrNotExist) {
			return n, notedGone
		}
		return n, notedScratch // its removal was cut short
	case err != nil || !st.IsDir() || !ownedByMe(st):
		return n, notedNone
	case publishing(n.Scratch):
		return n, notedPublishing
	}
	return n, notedScratch
}

// physicalAbs is dir made absolute from the physical working folder
// (getcwd: "../S" from a folder reached through a link is the one the
// system opens), not $PWD as filepath.Abs takes it.
func physicalAbs(dir string) (string, error) {
	if filepath.IsAbs(dir) {
		return filepath.Clean(dir), nil
	}
	wd, err := syscall.Getwd()
	if err != nil {
		return "", err
	}
	return filepath.Join(wd, dir), nil
}

// sameFolder reports whether the scratch folders a and b are one: the same
// name in the same folder, however the paths spell it (links, mounts).
func sameFolder(a, b string) bool {
	if filepath.Base(a) != filepath.Base(b) {
		return false
	}
	x, err1 := os.Stat(filepath.Dir(a))
	y, err2 := os.Stat(filepath.Dir(b))
	return err1 == nil && err2 == nil && os.SameFile(x, y)
}

// publishing reports whether the scratch folder dir records a result being
// published: a commit (out of core), the checksum of a result computed in
// memory (MarkPublishing), or the files publishing replaces (MarkReplacing).
func publishing(dir string) bool {
	if have, ok := readScratchJob(dir); ok && (have.OutputCRC != "" || len(have.Replaces) > 0) {
		return true
	}
	_, _, _, committed := scratchCommitAt(dir)
	return committed
}
