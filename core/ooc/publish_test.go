package ooc

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// writeResult writes a finished result of value v at out (its partial
// file, then Publish) and returns its checksum.
func writeResult(t *testing.T, out string, v float32, withErrors bool) {
	t.Helper()
	shape := [4]int{2, 3, 1, 2}
	data := make([]float32, 12)
	for i := range data {
		data[i] = v + float32(i)
	}
	o := NewNpyOutput(out)
	if err := o.Open(shape, [2]int{2, 3}, false); err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if _, err := o.WriteTile(0, 0, 2, 3, data); err != nil {
		t.Fatal(err)
	}
	crc, err := o.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	if !withErrors {
		if err := o.Publish(map[string]any{"software": Marker}, crc); err != nil {
			t.Fatal(err)
		}
		return
	}
	sd := NewNpyOutput(ErrorsName(out))
	if err := sd.Open(shape, [2]int{2, 3}, false); err != nil {
		t.Fatal(err)
	}
	defer sd.Close()
	if _, err := sd.WriteTile(0, 0, 2, 3, data); err != nil {
		t.Fatal(err)
	}
	sdcrc, err := sd.Finish(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := PublishPair(o, sd, map[string]any{"software": Marker}, crc, sdcrc); err != nil {
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
			shape := [4]int{2, 3, 1, 2}
			o := NewNpyOutput(out)
			if err := o.Open(shape, [2]int{2, 3}, false); err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if _, err := o.WriteTile(0, 0, 2, 3, make([]float32, 12)); err != nil {
				t.Fatal(err)
			}
			crc, err := o.Finish(nil)
			if err != nil {
				t.Fatal(err)
			}
			err = o.Publish(map[string]any{"software": Marker}, crc)
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
