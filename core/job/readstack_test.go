package job

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/source"
)

// frameByFrame hides a source's type, so that readStack reads it frame by
// frame through Frame (its path for sources other than stacks).
type frameByFrame struct{ source.Source }

// TestReadStackRuns: readStack's view of a stack's frames in the file's
// mapping and its runs of frames by read(2) (copyFrames) give the bytes,
// byte order and CRC of its frame-by-frame path, for frame
// sizes that make runs of 64, of a few and of single frames and for a
// count of frames read short of the file's; progress reaches the frames
// read; a file cut short after it was opened is ErrChanged on either
// path.
func TestReadStackRuns(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		dt      array.DType
		T, H, W int
		nread   int
	}{
		{array.Uint16, 200, 12, 12, 200}, // 288-byte frames: runs of 64
		{array.Uint16, 70, 12, 12, 67},
		{array.Float32, 9, 200, 100, 9}, // 80,000 bytes: runs of 3
		{array.Float64, 3, 300, 200, 2}, // 480,000 bytes: runs of 1
		{array.Uint8, 130, 3, 5, 129},
	} {
		es := c.dt.Size()
		data := make([]byte, c.T*c.H*c.W*es)
		for i := range data {
			data[i] = byte(i*131 + i/7)
		}
		p := filepath.Join(dir, "in.npy")
		if err := npy.WriteFile(p, c.dt, []int{c.T, c.H, c.W}, data); err != nil {
			t.Fatal(err)
		}
		src, err := source.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if r, ok := source.NewFrameReader(src); !ok {
			t.Fatalf("%v: no frame reader for an npy stack", c)
		} else {
			r.Close()
		}
		var got [3]array.View
		var crc [3]uint32
		for i, s := range []source.Source{src, src, frameByFrame{src}} {
			last := 0
			j := &Job{nread: c.nread, copyFrames: i == 1}
			j.spec.Progress = func(phase string, done, total int) bool {
				if phase != "read" || done < last || total != c.nread {
					t.Errorf("%v: progress %s %d of %d after %d", c, phase, done, total, last)
				}
				last = done
				return true
			}
			v, k, free, err := j.readStack(context.Background(), s, 0)
			if err != nil {
				t.Fatalf("%v (%d): %v", c, i, err)
			}
			defer free()
			if last != c.nread {
				t.Errorf("%v (%d): progress ended at %d of %d", c, i, last, c.nread)
			}
			if (i == 0) != (v.Offset == 128) {
				t.Errorf("%v (%d): view at offset %d: the mapping (offset 128, the header's size) is for path 0 only", c, i, v.Offset)
			}
			got[i], crc[i] = v, k
		}
		n := c.nread * c.H * c.W * es
		for i := range 2 {
			a, b := got[i], got[2]
			if crc[i] != crc[2] || a.Order != b.Order || !bytes.Equal(a.Data[a.Offset:a.Offset+n], b.Data[:n]) || !bytes.Equal(b.Data[:n], data[:n]) {
				t.Errorf("%v: path %d gives CRC %08x, order %v; frame by frame %08x, %v; bytes equal %v", c, i, crc[i], a.Order, crc[2], b.Order, bytes.Equal(a.Data[a.Offset:a.Offset+n], b.Data[:n]))
			}
		}
		if err := os.Truncate(p, 128+int64(c.H*c.W*es)); err != nil {
			t.Fatal(err)
		}
		for _, copyFrames := range []bool{false, true} {
			j := &Job{nread: c.nread, copyFrames: copyFrames}
			if _, _, _, err := j.readStack(context.Background(), src, 0); !errors.Is(err, source.ErrChanged) {
				t.Errorf("%v, copy %v: read of a truncated input: %v, want source.ErrChanged", c, copyFrames, err)
			}
		}
		src.Close()
	}
}
