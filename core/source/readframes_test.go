//go:build unix

package source

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
)

// frameBytes is frame t of src read through the mapping (Frame), rows
// back to back.
func frameBytes(t *testing.T, src Source, i int) []byte {
	t.Helper()
	fr, err := src.Frame(i)
	if err != nil {
		t.Fatal(err)
	}
	_, H, W := src.Shape()
	es := fr.DType.Size()
	var b []byte
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			o := fr.Offset + y*fr.Strides[0] + x*fr.Strides[1]
			b = append(b, fr.Data[o:o+es]...)
		}
	}
	return b
}

// TestFrameReader: a stack's frames read by FrameReader are the bytes
// Frame gives, for runs of every length from every frame (npy, raw with
// an offset and either byte order, TIFFs of either byte order); sources whose frames
// are not single runs in one mapped file get none; a file truncated or
// replaced after it was opened is ErrChanged naming it, or no reader.
func TestFrameReader(t *testing.T) {
	dir := t.TempDir()
	raw := make([]byte, 40+7*5*3*2)
	for i := range raw {
		raw[i] = byte(i*7 + 3)
	}
	rawPath := filepath.Join(dir, "r.raw")
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	open := map[string]func() (Source, error){
		"npy":        func() (Source, error) { return Open(filepath.Join("testdata", "stack.npy")) },
		"imagej tif": func() (Source, error) { return Open(filepath.Join("testdata", "imagej.tif")) },
		"tif le":     func() (Source, error) { return Open(filepath.Join("testdata", "multipage_le.tif")) },
		"bigtiff be": func() (Source, error) { return Open(filepath.Join("testdata", "bigtiff_be.tif")) },
		"float be":   func() (Source, error) { return Open(filepath.Join("testdata", "float_be.tif")) },
		"raw le": func() (Source, error) {
			return OpenRaw(rawPath, Raw{T: 7, H: 5, W: 3, DType: array.Uint16, Order: array.Little, Offset: 40})
		},
		"raw be": func() (Source, error) {
			return OpenRaw(rawPath, Raw{T: 7, H: 5, W: 3, DType: array.Uint16, Order: array.Big, Offset: 40})
		},
		"raw u8": func() (Source, error) {
			return OpenRaw(rawPath, Raw{T: 14, H: 5, W: 3, DType: array.Uint8, Offset: 40})
		},
	}
	for name, o := range open {
		src, err := o()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r, ok := NewFrameReader(src)
		if !ok {
			t.Fatalf("%s: no frame reader", name)
		}
		T, H, W := src.Shape()
		if r.FrameBytes() != H*W*src.DType().Size() {
			t.Errorf("%s: FrameBytes %d, want %d", name, r.FrameBytes(), H*W*src.DType().Size())
		}
		var want []byte
		for i := 0; i < T; i++ {
			want = append(want, frameBytes(t, src, i)...)
		}
		fb := r.FrameBytes()
		for t0 := 0; t0 < T; t0++ {
			for n := 0; t0+n <= T; n++ {
				dst := make([]byte, n*fb)
				if err := r.Read(t0, dst); err != nil {
					t.Fatalf("%s: Read(%d, %d frames): %v", name, t0, n, err)
				}
				if !bytes.Equal(dst, want[t0*fb:(t0+n)*fb]) {
					t.Fatalf("%s: Read(%d, %d frames) differs from Frame's bytes", name, t0, n)
				}
			}
		}
		if err := r.Read(T-1, make([]byte, 2*fb)); err == nil {
			t.Errorf("%s: a read past the last frame did not fail", name)
		}
		r.Close()
		src.Close()
	}

	// Frames that are not runs of one mapped file: a folder of TIFFs.
	for _, p := range []string{filepath.Join("testdata", "mm")} {
		src, err := Open(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if _, ok := NewFrameReader(src); ok {
			t.Errorf("%s: a frame reader for frames that are not runs of one mapped file", p)
		}
		src.Close()
	}

	// Truncated after the reader opened it: ErrChanged naming the file.
	src, err := OpenRaw(rawPath, Raw{T: 7, H: 5, W: 3, DType: array.Uint16, Offset: 40})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := NewFrameReader(src)
	if !ok {
		t.Fatal("raw: no frame reader")
	}
	if err := os.Truncate(rawPath, 40+3*30); err != nil {
		t.Fatal(err)
	}
	err = r.Read(0, make([]byte, 7*30))
	if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), rawPath) || !strings.Contains(err.Error(), "frame 3") {
		t.Errorf("read of a truncated file: %v, want ErrChanged naming %s at frame 3", err, rawPath)
	}
	r.Close()
	src.Close()

	// Replaced (another file renamed over it) after it was mapped: no
	// reader, as the file at the path holds other frames.
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err = OpenRaw(rawPath, Raw{T: 7, H: 5, W: 3, DType: array.Uint16, Offset: 40})
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other.raw")
	swapped := append([]byte(nil), raw...)
	rand.Shuffle(len(swapped), func(i, j int) { swapped[i], swapped[j] = swapped[j], swapped[i] })
	if err := os.WriteFile(other, swapped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, rawPath); err != nil {
		t.Fatal(err)
	}
	if _, ok := NewFrameReader(src); ok {
		t.Error("a frame reader for a file renamed over the one mapped")
	}
	src.Close()

	// A named pipe put in its place: no reader, and no wait for a writer.
	src, err = OpenRaw(rawPath, Raw{T: 7, H: 5, W: 3, DType: array.Uint16, Offset: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	os.Remove(rawPath)
	if err := syscall.Mkfifo(rawPath, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool, 1)
	go func() { _, ok := NewFrameReader(src); done <- ok }()
	select {
	case ok := <-done:
		if ok {
			t.Error("a frame reader for a named pipe put in place of the file mapped")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("NewFrameReader waits on a named pipe put in place of the file mapped")
	}
}
