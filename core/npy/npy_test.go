package npy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	// said as what they are (both said "no .npy magic")
	for b, want := range map[string]string{"": "empty (0 bytes)", "\x93NUMPY\x01": "cut short in its header (7 bytes)", "hello": "no .npy magic"} {
		if _, err := ParseHeader([]byte(b)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseHeader(%q) = %v, want %q", b, err, want)
		}
	}
}

// header returns a version 1.0 header holding dict, padded as numpy pads.
func header(dict string) []byte {
	total := (10 + len(dict) + 1 + 63) / 64 * 64
	b := append([]byte("\x93NUMPY\x01\x00"), 0, 0)
	binary.LittleEndian.PutUint16(b[8:], uint16(total-10))
	b = append(b, dict...)
	for len(b) < total-1 {
		b = append(b, ' ')
	}
	return append(b, '\n')
}

// TestParseHeaderStrict checks that the header dict is read as numpy's
// ast.literal_eval reads it, or refused: never read differently.
func TestParseHeaderStrict(t *testing.T) {
	cases := []struct {
		dict string
		want string // error fragment; "" for valid
	}{
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4), }", ""},
		{`{"descr":">f8","fortran_order":True,"shape":(2L,3L,4L)}`, ""},
		{"{'shape': (2,\t3,\n 4,), 'descr': '|u1', 'fortran_order': False}", ""},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (), }", ""},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4), 'shape': (24,), }", `key "shape" twice`},
		{"{'descr': '<u2', 'fortran_order': False, 'fortran_order': True, 'shape': (2, 3, 4)}", `key "fortran_order" twice`},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4), 'extra': 1}", `unknown key "extra"`},
		{"{'descr': '<u2', 'shape': (2, 3, 4)}", `no "fortran_order" key`},
		{"{'fortran_order': False, 'shape': (2, 3, 4)}", `no "descr" key`},
		{"{'descr': \"<u2', 'shape': (9,\", 'fortran_order': False, 'shape': (2, 3, 4)}", "not supported"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (24), }", "(24) is an integer, not a tuple"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, -3, 4), }", "non-negative decimal"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, +3, 4), }", "non-negative decimal"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 03, 4), }", "leading zero"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3 4), }", "tuple wants ',' or ')'"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2,, 4), }", "non-negative decimal"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (99999999999999999999,), }", "out of range"},
		{"{'descr': '<u2', 'fortran_order': false, 'shape': (2, 3, 4), }", "value is not"},
		{"{'descr': '<u2', 'fortran_order': None, 'shape': (2, 3, 4), }", "value is not"},
		{"{'descr': b'<u2', 'fortran_order': False, 'shape': (2, 3, 4), }", "value is not"},
		{"{'descr': '<u2' 'fortran_order': False, 'shape': (2, 3, 4), }", "wants ',' or '}'"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4)", "wants ',' or '}' after the value of \"shape\""},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4)}}", "bytes after the dict"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3, 4)}\x00", "bytes after the dict"},
		{"['descr', '<u2']", "not a dict literal"},
		{"{'descr': 'u2', 'fortran_order': False, 'shape': (2, 3, 4)}", "no byte order"},
		{"{'descr': '<U2', 'fortran_order': False, 'shape': (2, 3, 4)}", "not supported"},
		{"{'descr': '<u2\\x00', 'fortran_order': False, 'shape': (2, 3, 4)}", "escape"},
		{"{'descr': '<u2', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1)}", "9 dimensions"},
	}
	for _, c := range cases {
		h, err := ParseHeader(header(c.dict))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.dict, err)
		case c.want != "" && (err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: err = %v (header %+v), want %q", c.dict, err, h, c.want)
		}
	}
}

// TestExactSize checks that data after the array, or missing, is refused,
// and that a size that overflows is reported as such.
func TestExactSize(t *testing.T) {
	hdr := header("{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), }")
	for n, want := range map[int]string{11: "truncated data", 13: "trailing bytes", 12: ""} {
		_, _, err := View(append(append([]byte(nil), hdr...), make([]byte, n)...))
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%d data bytes: %v, want %q", n, err, want)
		}
	}
	big := header("{'descr': '<f8', 'fortran_order': False, 'shape': (3037000500, 3037000500), }")
	if _, _, err := View(big); err == nil || !strings.Contains(err.Error(), "overflows a 64-bit integer") {
		t.Errorf("overflowing shape: %v", err)
	}
	if n, ok := DataSize(array.Uint16, []int{1 << 31, 1 << 31}); ok || n != 0 {
		t.Errorf("DataSize of 2**63 bytes = %d, %v", n, ok)
	}
	// a zero anywhere: empty, whatever the others multiply to
	if n, ok := DataSize(array.Uint16, []int{1e10, 1e10, 0}); !ok || n != 0 {
		t.Errorf("DataSize of (1e10, 1e10, 0) = %d, %v", n, ok)
	}
	if _, _, err := View(header("{'descr': '<u2', 'fortran_order': False, 'shape': (10000000000, 10000000000, 0), }")); err != nil {
		t.Errorf("(1e10, 1e10, 0): %v", err)
	}
	// A 0-d array opened: refused as such (its View's shape is [1]).
	path := filepath.Join(t.TempDir(), "scalar.npy")
	if err := os.WriteFile(path, append(header("{'descr': '<u2', 'fortran_order': False, 'shape': (), }"), 5, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	if f, err := Open(path); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "shape (): one value") {
		t.Errorf("Open of a 0-d array: %v", err)
		if f != nil {
			f.Close()
		}
	}
}

// FuzzView checks that no byte string makes the reader panic or hand out a
// view that reaches outside the file, and that a file it accepts holds
// exactly its header and its data.
func FuzzView(f *testing.F) {
	for _, name := range []string{"c_le_u2", "f_be_i2", "v2_le_u2", "complex", "f_le_f8", "c_u1"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".npy"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, dict := range []string{
		"{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), 'shape': (3, 2), }",
		`{"descr":"<u2","fortran_order":False,"shape":(2L,3L)}`,
		"{'descr': '<u2', 'fortran_order': False, 'shape': (), }",
		"{'descr': '>u1', 'fortran_order': False, 'shape': (0, 10000000000000000, 10), }", // found by FuzzView
	} {
		f.Add(append(header(dict), make([]byte, 12)...))
	}
	// Found by FuzzView in CI: an empty array whose other dimensions
	// multiply past 2^63, with no data bytes, is valid.
	f.Add(header("{'descr': '<u2', 'fortran_order': False, 'shape': (1, 10000, 100000000000000, 0), }"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, h, err := View(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v is not ErrFormat", err)
			}
			return
		}
		lo, hi, err := array.Extent(v.Shape, v.Strides, v.DType.Size())
		if err != nil || v.Offset+lo < 0 || (hi > lo && v.Offset+hi > len(b)) {
			t.Fatalf("view outside the data: %v %v %v", v.Shape, v.Strides, err)
		}
		if n, ok := DataSize(h.DType, h.Shape); !ok || int64(h.Offset)+n != int64(len(b)) {
			t.Fatalf("accepted %d bytes for a %d-byte header and shape %v of %v", len(b), h.Offset, h.Shape, h.DType)
		}
		if v.Len() > 0 {
			v.Load(v.Offset) // must not panic
		}
		// The header numpy would write for this array reads back the same.
		if !h.Fortran && len(h.Shape) > 0 {
			h2, err := ParseHeader(HeaderBytes(h.DType, h.Order, h.Shape))
			// (one-byte samples have no byte order: '>u1' is written back as '|u1')
			if err != nil || h2.DType != h.DType || (h.DType.Size() > 1 && h2.Order != h.Order) || !slices.Equal(h2.Shape, h.Shape) {
				t.Fatalf("round trip of %+v: %+v, %v", h, h2, err)
			}
		}
	})
}

// numpy's bool ('|b1', a mask saved as m > 0) reads as uint8 0 and 1.
func TestBoolReadsAsUint8(t *testing.T) {
	dt, bo, err := parseDescr("|b1")
	if err != nil || dt != array.Uint8 || bo != array.NativeOrder {
		t.Errorf("parseDescr(|b1) = %v, %v, %v", dt, bo, err)
	}
	if _, _, err := parseDescr("|b2"); err == nil {
		t.Error("parseDescr(|b2): no error")
	}
	// Bytes other than 0 and 1, which numpy reads as True, are refused:
	// they were read as their values (7), other curves than numpy's
	// (the readers campaign).
	b := append(header("{'descr': '|b1', 'fortran_order': False, 'shape': (2, 3), }"), 0, 1, 1, 0, 0, 1)
	path := filepath.Join(t.TempDir(), "b.npy")
	os.WriteFile(path, b, 0o644)
	v, h, err := View(b)
	if err != nil || !h.Bool || v.At(0, 1) != 1 || CheckBool(path, h) != nil {
		t.Errorf("a bool array of 0 and 1: %v %v %v %v", h, err, v, CheckBool(path, h))
	}
	b[len(b)-2] = 7
	os.WriteFile(path, b, 0o644)
	if err := CheckBool(path, h); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "byte 4 is 7, not 0 or 1") {
		t.Errorf("a bool array holding 7: %v", err)
	}
}
