package ooc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// finished writes data as the finished partial file of path (a 2 x 3 x 1
// x 2 result) and returns its output and checksum; the test closes it.
func finished(t *testing.T, path string, data []float32) (*NpyOutput, uint32) {
	t.Helper()
	o := NewNpyOutput(path)
	if err := o.Open([4]int{2, 3, 1, 2}, [2]int{2, 3}, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	if _, err := o.WriteTile(0, 0, 2, 3, data); err != nil {
		t.Fatal(err)
	}
	crc, err := o.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	return o, crc
}

// writeResult publishes a result of value v at out, with error bars or
// without.
func writeResult(t *testing.T, out string, v float32, withErrors bool) {
	t.Helper()
	data := make([]float32, 12)
	for i := range data {
		data[i] = v + float32(i)
	}
	o, crc := finished(t, out, data)
	meta := map[string]any{"software": Marker}
	if !withErrors {
		if err := o.Publish(meta, crc); err != nil {
			t.Fatal(err)
		}
		return
	}
	sd, sdcrc := finished(t, ErrorsName(out), data)
	if err := PublishPair(o, sd, meta, crc, sdcrc); err != nil {
		t.Fatal(err)
	}
}

// TestPublishRenameFailsKeepsEarlierResult: when the rename of a new
// result fails (an immutable file: EPERM), the earlier result stays an
// ipcf result, its sidecar put back, and its error bars (with a new
// result that has none, they are set aside before the rename) too.
func TestPublishRenameFailsKeepsEarlierResult(t *testing.T) {
	for _, withErrors := range []bool{false, true} {
		dir := t.TempDir()
		out := filepath.Join(dir, "r.npy")
		writeResult(t, out, 1, withErrors)
		side, _ := os.ReadFile(SidecarName(out))
		before, _ := os.ReadFile(out)
		failOn := out
		renameFile = func(a, b string) error {
			if b == failOn {
				return &os.LinkError{Op: "rename", Old: a, New: b, Err: os.ErrPermission}
			}
			return os.Rename(a, b)
		}
		func() {
			defer func() { renameFile = os.Rename }()
			defer func() {
				if r := recover(); r != nil {
					t.Fatal(r)
				}
			}()
			o, crc := finished(t, out, make([]float32, 12))
			err := o.Publish(map[string]any{"software": Marker}, crc)
			if !errors.Is(err, os.ErrPermission) {
				t.Fatalf("publish with the rename refused: %v", err)
			}
		}()
		if after, _ := os.ReadFile(out); !bytes.Equal(before, after) {
			t.Fatal("the earlier result changed")
		}
		if now, _ := os.ReadFile(SidecarName(out)); !bytes.Equal(now, side) {
			t.Fatalf("errors=%v: the earlier sidecar was not put back: %q", withErrors, now)
		}
		if !NpyIsOurs(out) {
			t.Fatalf("errors=%v: the earlier result is no longer an ipcf result", withErrors)
		}
		// The new result has no error bars: the earlier ones, which its
		// sidecar names, were set aside, and are put back.
		if withErrors && !RecordsErrors(out, ErrorsName(out)) {
			t.Fatal("the earlier result's error bars are gone or changed")
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".ipcf-*")); len(left) != 0 {
			t.Fatalf("left %v", left)
		}
	}
}

// TestRenameNoReplace: renameat2's RENAME_NOREPLACE and the checked
// fallback both rename onto an empty name and refuse an occupied one
// (os.ErrExist), leaving both files as they were.
func TestRenameNoReplace(t *testing.T) {
	for name, rename := range map[string]func(string, string) error{"renameNoReplace": renameNoReplace, "renameChecked": renameChecked} {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
		os.WriteFile(a, []byte("new"), 0o644)
		os.WriteFile(b, []byte("user"), 0o644)
		if err := rename(a, b); !errors.Is(err, os.ErrExist) {
			t.Fatalf("%s onto a file: %v, want os.ErrExist", name, err)
		}
		if x, _ := os.ReadFile(a); string(x) != "new" {
			t.Fatalf("%s: the source changed", name)
		}
		if x, _ := os.ReadFile(b); string(x) != "user" {
			t.Fatalf("%s: the file at the target was replaced", name)
		}
		os.Remove(b)
		if err := rename(a, b); err != nil {
			t.Fatalf("%s onto nothing: %v", name, err)
		}
		if x, _ := os.ReadFile(b); string(x) != "new" {
			t.Fatalf("%s: not renamed", name)
		}
	}
}

// TestPublishSyncFailsAfterARename: a folder that cannot be synced (EIO)
// once a rename of the publication is done does not stop it midway: the
// new result is published whole (curves, error bars, the sidecar that
// describes them) and the error says so. At the first sync (after the
// error bars' rename) the earlier curves were left beside the new error
// bars, with no sidecar (FAULT8's F1).
func TestPublishSyncFailsAfterARename(t *testing.T) {
	defer func(f func(string) error) { syncDir = f }(syncDir)
	for fail := 1; fail <= 3; fail++ {
		dir := t.TempDir()
		out := filepath.Join(dir, "r.npy")
		writeResult(t, out, 1, true)
		calls := 0
		syncDir = func(d string) error {
			if calls++; calls == fail {
				return &os.PathError{Op: "sync", Path: d, Err: errors.New("input/output error")}
			}
			return nil
		}
		data := make([]float32, 12)
		for i := range data {
			data[i] = 100 + float32(i)
		}
		o, crc := finished(t, out, data)
		sd, sdcrc := finished(t, ErrorsName(out), data)
		err := PublishPair(o, sd, map[string]any{"software": Marker}, crc, sdcrc)
		syncDir = func(string) error { return nil }
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("the result is written and named, but its folder could not be synced")) {
			t.Errorf("sync %d failing: %v; want the error saying the result is published", fail, err)
		}
		if got, _, _ := fileCRC(out); got != crc || !NpyIsOurs(out) {
			t.Errorf("sync %d failing: the curves are not the new result's, described by its sidecar", fail)
		}
		if got, _, _ := fileCRC(ErrorsName(out)); got != sdcrc || !RecordsErrors(out, ErrorsName(out)) {
			t.Errorf("sync %d failing: the error bars are not the new result's, recorded by its sidecar", fail)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
			t.Errorf("sync %d failing: left %v", fail, left)
		}
	}
}

// TestPublishHalfDoneIsUnlabelled: the curves' rename refused (an
// immutable file) after the error bars' puts the earlier result back
// whole, its own error bars too (they were replaced, and the earlier
// curves left beside the new error bars: FAULT8's F1); where the new
// error bars cannot be taken back either, the publication says it is
// half done (ErrUnlabelled), for the job to keep its lock (its readers
// then refuse the files).
func TestPublishHalfDoneIsUnlabelled(t *testing.T) {
	defer func() { renameFile = os.Rename }()
	for _, c := range []struct {
		earlierErrors, undoFails bool
	}{{false, false}, {true, false}, {true, true}} {
		dir := t.TempDir()
		out := filepath.Join(dir, "r.npy")
		writeResult(t, out, 1, c.earlierErrors)
		before, _ := os.ReadFile(out)
		side, _ := os.ReadFile(SidecarName(out))
		sdBefore, _ := os.ReadFile(ErrorsName(out))
		renameFile = func(a, b string) error {
			if b == out || (c.undoFails && b == PartialName(ErrorsName(out))) {
				return &os.LinkError{Op: "rename", Old: a, New: b, Err: os.ErrPermission}
			}
			return os.Rename(a, b)
		}
		data := make([]float32, 12)
		for i := range data {
			data[i] = 100
		}
		o, crc := finished(t, out, data)
		sd, sdcrc := finished(t, ErrorsName(out), data)
		err := PublishPair(o, sd, map[string]any{"software": Marker}, crc, sdcrc)
		renameFile = os.Rename
		if !errors.Is(err, os.ErrPermission) || errors.Is(err, ErrUnlabelled) != c.undoFails {
			t.Fatalf("%+v: %v; want ErrPermission, ErrUnlabelled %v", c, err, c.undoFails)
		}
		if c.undoFails {
			continue
		}
		after, _ := os.ReadFile(out)
		nowSide, _ := os.ReadFile(SidecarName(out))
		if !bytes.Equal(after, before) || !bytes.Equal(nowSide, side) || !NpyIsOurs(out) {
			t.Errorf("%+v: the earlier curves or sidecar were not put back", c)
		}
		sdNow, err := os.ReadFile(ErrorsName(out))
		if c.earlierErrors && (err != nil || !bytes.Equal(sdNow, sdBefore) || !RecordsErrors(out, ErrorsName(out))) {
			t.Errorf("%+v: the earlier error bars were not put back (%v)", c, err)
		}
		if !c.earlierErrors && err == nil {
			t.Errorf("%+v: new error bars left beside the earlier result, which had none", c)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".ipcf-*")); len(left) != 0 {
			t.Errorf("%+v: left %v", c, left)
		}
	}
}
