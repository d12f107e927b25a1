package source

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestReleaseKeepsInterleavedFrames: a stack whose frames interleave (a
// Fortran-order file, a line scan or an image stack) releases nothing: a
// frame's extent holds the frames after it, whose pages were dropped and
// read again (5.6 times the CPU of the C-order file: REVIEW14). A C-order
// stack releases the pages of the frames read.
func TestReleaseKeepsInterleavedFrames(t *testing.T) {
	dir := t.TempDir()
	const T, X = 8192, 16
	data := make([]byte, 2*T*X)
	for i := range T * X {
		binary.LittleEndian.PutUint16(data[2*i:], uint16(i))
	}
	write := func(name string, fortran bool) string {
		h := fmt.Sprintf("{'descr': '<u2', 'fortran_order': %s, 'shape': (%d, %d), }", map[bool]string{false: "False", true: "True"}[fortran], T, X)
		for (10+len(h)+1)%64 != 0 {
			h += " "
		}
		h += "\n"
		b := append([]byte{0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, byte(len(h)), byte(len(h) >> 8)}, h...)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, append(b, data...), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var released int
	defer func(f func([]byte)) { dontNeed = f }(dontNeed)
	dontNeed = func(b []byte) { released += len(b) }
	for _, c := range []struct {
		fortran bool
		want    bool
	}{{true, false}, {false, true}} {
		src, err := OpenLineScan(write(fmt.Sprint("l", c.fortran, ".npy"), c.fortran))
		if err != nil {
			t.Fatal(err)
		}
		released = 0
		src.(*stack).Release(0, T/2)
		src.Close()
		if got := released > 0; got != c.want {
			t.Errorf("Fortran order %v: %d bytes released, want some: %v", c.fortran, released, c.want)
		}
	}
}
