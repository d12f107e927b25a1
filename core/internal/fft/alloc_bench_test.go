//go:build linux

package fft

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/ipcf/ipcf/core/internal/sysmem"
)

// TestBigComplex64sReuse checks that a released array's mapping is reused
// by the next call of a size it fits, and not by one it does not.
func TestBigComplex64sReuse(t *testing.T) {
	c, free, _ := BigComplex64s(1 << 20)
	p := &c[0]
	c[5] = 1
	free()
	c, free, _ = BigComplex64s(3 << 18)
	if &c[0] != p {
		t.Errorf("mapping not reused")
	}
	free()
	c, free, _ = BigComplex64s(1 << 18) // less than half: a new one
	if &c[0] == p {
		t.Errorf("mapping reused for an array of a quarter of its size")
	}
	c[len(c)-1] = 2
	free()
}

// TestBigBytes checks that a large array is aligned to a huge page, holds
// what is written to all of it, and that a small one is an ordinary slice.
func TestBigBytes(t *testing.T) {
	for _, n := range []int{bigMin, bigMin + 1, 3*hugePage + 12345} {
		b, free, _ := BigBytes(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("BigBytes(%d): len %d cap %d", n, len(b), cap(b))
		}
		if p := uintptr(unsafe.Pointer(&b[0])); p%hugePage != 0 {
			t.Errorf("BigBytes(%d) at %#x: not aligned to %d", n, p, hugePage)
		}
		for i := range b {
			b[i] = byte(i * 31)
		}
		for i, v := range b {
			if v != byte(i*31) {
				t.Fatalf("byte %d: %d, want %d", i, v, byte(i*31))
			}
		}
		free()
	}
	b, free, _ := BigBytes(100)
	if len(b) != 100 {
		t.Fatalf("BigBytes(100): len %d", len(b))
	}
	free()
	// A released array is handed out again, and can be released again.
	b, free, _ = BigBytes(bigMin + 4096)
	p := &b[0]
	free()
	b, free, _ = BigBytes(bigMin)
	if &b[0] != p {
		t.Errorf("mapping not reused")
	}
	free()
}

// TestBigZeroed checks that BigZeroed hands back zeros, also when it
// reuses a released mapping that BigBytes left holding data.
func TestBigZeroed(t *testing.T) {
	b, free, _ := BigBytes(bigMin + 4096)
	p := &b[0]
	for i := range b {
		b[i] = 0xa5
	}
	free()
	z, free, _ := BigZeroed(bigMin)
	defer free()
	if &z[0] != p {
		t.Fatalf("mapping not reused: the test checks nothing")
	}
	for i, v := range z {
		if v != 0 {
			t.Fatalf("byte %d of BigZeroed is %#x", i, v)
		}
	}
	s, free2, _ := BigZeroed(100)
	defer free2()
	for i, v := range s {
		if v != 0 {
			t.Fatalf("byte %d of a small BigZeroed is %#x", i, v)
		}
	}
}

// BenchmarkBigBytes writes the 128 MiB of the default dataset's frames a
// row of 128 bytes at a time (as the in-memory job reads them) into a
// fresh mapping of 4 KiB pages populated as before, and into one of
// BigBytes (huge pages, populated), interleaved; the time includes the
// mapping.
func BenchmarkBigBytes(b *testing.B) {
	const n = 16384 * 64 * 64 * 2
	src := make([]byte, n)
	for i := range src {
		src[i] = byte(i)
	}
	defer func() { reuseBigs = true }()
	reuseBigs = false
	write := func(dst []byte) {
		for o := 0; o < n; o += 128 {
			copy(dst[o:o+128], src[o:o+128])
		}
	}
	var small, huge []float64
	for b.Loop() {
		t0 := time.Now()
		m, err := syscall.Mmap(-1, 0, n, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			b.Fatal(err)
		}
		Populate(m)
		write(m)
		syscall.Munmap(m)
		small = append(small, float64(time.Since(t0).Microseconds())/1e3)
		t0 = time.Now()
		d, free, _ := BigBytes(n)
		write(d)
		free()
		huge = append(huge, float64(time.Since(t0).Microseconds())/1e3)
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	fmt.Printf("128 MiB written in rows of 128 bytes: 4 KiB pages populated %.1f ms, BigBytes %.1f ms (%.2fx; medians of %d)\n",
		med(small), med(huge), med(huge)/med(small), len(small))
}

// BenchmarkBigComplex64s compares, interleaved, a fresh mapping against a
// reused one for the spectra of the default dataset (24 rows of 64 pixels
// of n = 16,384: 100 MiB), each written once as the engine does.
func BenchmarkBigComplex64s(b *testing.B) {
	n := 24 * 64 * 8200
	defer func() { reuseBigs = true }()
	var fresh, reused []float64
	for b.Loop() {
		for _, reuse := range []bool{false, true} {
			reuseBigs = reuse
			t0 := time.Now()
			c, free, _ := BigComplex64s(n)
			for i := 0; i < len(c); i += 512 {
				c[i] = 1
			}
			free()
			ms := float64(time.Since(t0).Microseconds()) / 1e3
			if reuse {
				reused = append(reused, ms)
			} else {
				fresh = append(fresh, ms)
			}
		}
	}
	med := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	fmt.Printf("100 MiB of spectra written once: fresh mapping %.1f ms, reused %.1f ms (medians of %d)\n", med(fresh), med(reused), len(fresh))
}

// TestPopulate checks that Populate maps a fresh mapping's pages (mincore
// reports them resident) and leaves a slice's values alone, whatever its
// alignment.
func TestPopulate(t *testing.T) {
	const size = 64 << 12
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	resident := func() int {
		vec := make([]byte, size/4096)
		if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, uintptr(unsafe.Pointer(&b[0])), size, uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			t.Fatalf("mincore: %v", e)
		}
		n := 0
		for _, v := range vec {
			n += int(v & 1)
		}
		return n
	}
	if n := resident(); n != 0 {
		t.Fatalf("%d pages resident before any touch", n)
	}
	Populate(b)
	if n := resident(); n != size/4096 {
		t.Errorf("%d of %d pages resident after Populate", n, size/4096)
	}
	for i, v := range b {
		if v != 0 {
			t.Fatalf("byte %d of a fresh mapping is %d after Populate", i, v)
		}
	}
	for i := range b {
		b[i] = byte(i * 7)
	}
	for _, r := range [][2]int{{0, size}, {1, 4097}, {4095, size - 3}, {100, 100}, {8192, 8192 + 4096}} {
		Populate(b[r[0]:r[1]])
	}
	Populate(nil)
	for i, v := range b {
		if v != byte(i*7) {
			t.Fatalf("byte %d changed by Populate: %d, want %d", i, v, byte(i*7))
		}
	}
}

// TestBigBytesRefused checks that a mapping the kernel refuses (a limit of
// address space) is an error naming the size, with a free function, and
// never memory from Go's heap: Go ends the process when its heap cannot
// grow.
func TestBigBytesRefused(t *testing.T) {
	testHookMap = func(int) ([]byte, error) { return nil, syscall.ENOMEM }
	reuseBigs = false // no spare: every call maps
	defer func() { testHookMap, reuseBigs = nil, true }()
	for _, n := range []int{bigMin, 3*hugePage + 12345} {
		b, free, err := BigBytes(n)
		if err == nil || !errors.Is(err, syscall.ENOMEM) || b != nil || free == nil {
			t.Fatalf("BigBytes(%d) refused: %d bytes, err %v, free %v", n, len(b), err, free != nil)
		}
		free()
		if want := fmt.Sprintf("cannot map %d MiB", (n+(1<<20)-1)>>20); !strings.Contains(err.Error(), want) {
			t.Errorf("BigBytes(%d): %q, want %q", n, err, want)
		}
		if _, _, err := BigZeroed(n); !errors.Is(err, syscall.ENOMEM) {
			t.Errorf("BigZeroed(%d): %v", n, err)
		}
		if _, _, err := BigComplex64s(n / 8); !errors.Is(err, syscall.ENOMEM) {
			t.Errorf("BigComplex64s(%d): %v", n/8, err)
		}
	}
	// Small arrays come from Go's heap and are not refused.
	if b, _, err := BigBytes(100); err != nil || len(b) != 100 {
		t.Errorf("BigBytes(100): %d bytes, %v", len(b), err)
	}
}

// TestBigBytesAddressReserve: below a limit of address space a mapping
// that would leave less than sysmem.AddressReserve of it is refused,
// naming the limit; one that leaves it is made.
func TestBigBytesAddressReserve(t *testing.T) {
	reuseBigs = false // no spare: every call maps
	defer func() { addressLeft, reuseBigs = sysmem.AddressLeft, true }()
	n := 3*hugePage + 12345
	need := int64(n) + 2*hugePage + sysmem.AddressReserve
	addressLeft = func() (int64, bool) { return need - 1, true }
	if _, _, err := BigBytes(n); err == nil || !strings.Contains(err.Error(), "ulimit -v") {
		t.Errorf("%d bytes left, %d needed: %v, want a refusal naming ulimit -v", need-1, need, err)
	}
	addressLeft = func() (int64, bool) { return need, true }
	b, free, err := BigBytes(n)
	if err != nil || len(b) != n {
		t.Fatalf("%d bytes left, %d needed: %d bytes, %v", need, need, len(b), err)
	}
	free()
	addressLeft = func() (int64, bool) { return 0, false } // no limit
	if _, free, err := BigBytes(n); err != nil {
		t.Errorf("no limit: %v", err)
	} else {
		free()
	}
}
