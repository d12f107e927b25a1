package job

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// tiff1 is a one-page uint16 TIFF of h x w samples in byte order bo.
func tiff1(bo binary.ByteOrder, h, w int, samples []uint16) []byte {
	var b bytes.Buffer
	if bo == binary.BigEndian {
		b.WriteString("MM\x00*")
	} else {
		b.WriteString("II*\x00")
	}
	binary.Write(&b, bo, uint32(8))
	tags := [][2]uint32{{256, uint32(w)}, {257, uint32(h)}, {258, 16}, {259, 1}, {262, 1}, {273, 0}, {277, 1}, {278, uint32(h)}, {279, uint32(2 * h * w)}}
	data := 8 + 2 + 12*len(tags) + 4
	binary.Write(&b, bo, uint16(len(tags)))
	for _, t := range tags {
		if t[0] == 273 {
			t[1] = uint32(data)
		}
		binary.Write(&b, bo, uint16(t[0]))
		binary.Write(&b, bo, uint16(4)) // LONG
		binary.Write(&b, bo, uint32(1))
		binary.Write(&b, bo, t[1])
	}
	binary.Write(&b, bo, uint32(0))
	binary.Write(&b, bo, samples)
	return b.Bytes()
}

// A TIFF series whose files differ in byte order (II and MM) gives the
// result of the same values in one byte order, in memory and out of
// core: each frame is read in its own order.
func TestSeriesOfMixedByteOrders(t *testing.T) {
	const T, H, W = 32, 6, 7
	dir := t.TempDir()
	frames := make([][]uint16, T)
	for k := range frames {
		frames[k] = make([]uint16, H*W)
		for i := range frames[k] {
			frames[k][i] = uint16(100 + (k*37+i*11)%29 + k%3*i%5)
		}
	}
	write := func(name string, mixed bool) string {
		folder := filepath.Join(dir, name)
		if err := os.Mkdir(folder, 0o755); err != nil {
			t.Fatal(err)
		}
		for k, f := range frames {
			var bo binary.ByteOrder = binary.LittleEndian
			if mixed && k%3 == 1 {
				bo = binary.BigEndian
			}
			if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("f%03d.tif", k)), tiff1(bo, H, W, f), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return folder
	}
	run := func(in, out, engine string) []byte {
		s := DefaultSpec()
		s.Input.Path, s.Output, s.Engine = in, filepath.Join(dir, out), engine
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 1, 4, 6
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		if _, err := j.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(s.Output)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	le, mixed := write("le", false), write("mixed", true)
	want := run(le, "le.npy", "memory")
	for _, engine := range []string{"memory", "ooc"} {
		if got := run(mixed, "mixed-"+engine+".npy", engine); !bytes.Equal(got[128:], want[128:]) {
			t.Errorf("%s: the mixed series' result differs from the little-endian one's", engine)
		}
	}
}
