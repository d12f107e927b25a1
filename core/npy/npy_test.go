package npy

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// The files in testdata were written by numpy 1.24 from
// a = arange(24).reshape(2, 3, 4) * 7 - 5, cast as named.
func want(name string, i, j, k int) float64 {
	a := float64((i*12+j*4+k)*7 - 5)
	switch name {
	case "c_le_u2", "c_be_u2", "c_u1", "v2_le_u2":
		return a + 5
	case "f_le_f8":
		return a / 4
	case "c_be_f4":
		return float64(float32(a / 8))
	case "c_le_i4":
		return a * 1000
	}
	return a
}

func TestReadNumpyFiles(t *testing.T) {
	for _, name := range []string{"c_le_u2", "c_be_u2", "f_le_f8", "f_be_i2", "c_be_f4", "c_u1", "c_le_i4", "v2_le_u2"} {
		f, err := Open(filepath.Join("testdata", name+".npy"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Shape) != 3 || f.Shape[0] != 2 || f.Shape[1] != 3 || f.Shape[2] != 4 {
			t.Fatalf("%s: shape %v", name, f.Shape)
		}
		for i := 0; i < 2; i++ {
			for j := 0; j < 3; j++ {
				for k := 0; k < 4; k++ {
					if got := f.At(i, j, k); got != want(name, i, j, k) {
						t.Fatalf("%s[%d,%d,%d] = %v, want %v", name, i, j, k, got, want(name, i, j, k))
					}
				}
			}
		}
		f.Close()
	}
}

func TestRoundTrip(t *testing.T) {
	data := make([]byte, 2*5*3)
	for i := range data {
		data[i] = byte(i)
	}
	path := filepath.Join(t.TempDir(), "x.npy")
	if err := WriteFile(path, array.Uint16, []int{5, 3}, data); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Offset%64 != 0 || f.DType != array.Uint16 || !bytes.Equal(f.Data[f.Offset:], data) {
		t.Fatalf("round trip: offset %d dtype %v", f.Offset, f.DType)
	}
}

func TestBadFiles(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "c_le_u2.npy"))
	if err != nil {
		t.Fatal(err)
	}
	cpx, _ := os.ReadFile(filepath.Join("testdata", "complex.npy"))
	cases := map[string][]byte{
		"empty":          nil,
		"no magic":       []byte("hello world, this is not npy"),
		"truncated head": good[:30],
		"truncated data": good[:len(good)-1],
		"complex dtype":  cpx,
		"bad version":    append([]byte("\x93NUMPY\x09\x00"), good[8:]...),
	}
	for name, b := range cases {
		if _, _, err := View(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}

// FuzzView checks that no byte string makes the reader panic or hand out a
// view that reaches outside the file.
func FuzzView(f *testing.F) {
	for _, name := range []string{"c_le_u2", "f_be_i2", "v2_le_u2", "complex"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".npy"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, _, err := View(b)
		if err != nil {
			return
		}
		lo, hi, err := array.Extent(v.Shape, v.Strides, v.DType.Size())
		if err != nil || v.Offset+lo < 0 || (hi > lo && v.Offset+hi > len(b)) {
			t.Fatalf("view outside the data: %v %v %v", v.Shape, v.Strides, err)
		}
		if v.Len() > 0 {
			v.Load(v.Offset) // must not panic
		}
	})
}
