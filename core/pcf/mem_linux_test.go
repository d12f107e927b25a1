//go:build linux

package pcf

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/internal/sysmem"
	"github.com/ipcf/ipcf/core/pool"
)

// TestProcFields: sysmem.ProcBytes reads a "kB" field of a /proc-style file in bytes
// (0 when absent or malformed), and the machine's figures are consistent:
// available memory within the total, and the peak resident memory grows by
// what a touched allocation adds.
func TestProcFields(t *testing.T) {
	f := filepath.Join(t.TempDir(), "status")
	os.WriteFile(f, []byte("Name:\tx\nVmHWM:\t   1234 kB\nBad:\tabc kB\n"), 0o644)
	for field, want := range map[string]int64{"VmHWM:": 1234 << 10, "Bad:": 0, "Missing:": 0} {
		if got := sysmem.ProcBytes(f, field); got != want {
			t.Errorf("sysmem.ProcBytes(%q) = %d, want %d", field, got, want)
		}
	}
	if got := sysmem.ProcBytes(filepath.Join(t.TempDir(), "none"), "VmHWM:"); got != 0 {
		t.Errorf("procKB of a missing file = %d", got)
	}
	total, avail := TotalMemory(), MemAvailable()
	if total <= 0 || avail <= 0 || avail > total {
		t.Fatalf("TotalMemory %d, MemAvailable %d", total, avail)
	}
	// The peak is reset first (5 to clear_refs: VmHWM becomes the
	// present RSS, once the heap gave back the pages of an earlier pass):
	// a second pass of the test (-count 2, -cpu 1,16) found the peak of
	// the first's 256 MiB and failed (a campaign).
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("resetting the peak resident size: %v", err)
	}
	before := PeakResident()
	b := make([]byte, 256<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	if after := PeakResident(); after < before+200<<20 {
		t.Errorf("peak resident %d -> %d after touching 256 MiB", before, after)
	}
	_ = b[len(b)-1]
}

// TestFileBacked: memory of a mapped file counts as file-backed (a
// truncation of the file takes it away), the Go heap and anonymous
// mappings do not; a range counts when any mapping it overlaps is a file's,
// or any byte of it lies in no mapping or an unreadable one.
func TestFileBacked(t *testing.T) {
	maps := "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/x\n" +
		"7f0000000000-7f0000010000 rw-p 00000000 00:00 0 \n" +
		"7f0000010000-7f0000020000 r--s 00000000 08:02 99 /data/in.npy\n" +
		"7ffc000000-7ffc001000 rw-p 00000000 00:00 0 [stack]\n" +
		"7f1000000000-7f1000010000 ---p 00000000 00:00 0 \n" +
		"7f1000010000-7f1000020000 rw-p 00000000 00:00 0 \n" +
		"7f1000020000-7f1000030000 r--p 00000000 00:00 0 \n"
	for _, c := range []struct {
		lo, hi uint64
		want   bool
	}{
		{0x7f0000000000, 0x7f0000000100, false},
		{0x7f000000ff00, 0x7f0000010100, true}, // reaches into the file's
		{0x7f0000010000, 0x7f0000010001, true},
		{0x7f0000020000, 0x7f0000030000, true}, // no mapping: a wild pointer
		{0x00400000, 0x00400001, true},
		{0x7ffc000000, 0x7ffc000100, false},
		{0x7f0000020000 - 1, 0x7f0000020000, true}, // the last byte of the file's
		{0x7ffc000fff, 0x7ffc001001, true},         // past the stack's end
		{0x7f1000000000, 0x7f1000000010, true},     // PROT_NONE
		{0x7f1000010000, 0x7f1000030000, false},    // two readable ones, adjacent
		{0x7f100000fff0, 0x7f1000010010, true},     // from PROT_NONE into readable
	} {
		if got := mapsFileBacked(maps, c.lo, c.hi); got != c.want {
			t.Errorf("[%#x, %#x): %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
	if fileBacked(make([]byte, 1<<20)) || fileBacked(nil) {
		t.Error("Go memory taken for a file's")
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, 1<<16, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	if !fileBacked(m) || !fileBacked(m[4096:4100]) {
		t.Error("a mapped file not taken for one")
	}
}

// TestComputeTruncatedMapping: uint16 input in a mapping of a file that was
// cut short is read in Go (readInGo), where the fault is an error (a pool.PanicError
// with the fault's address), not in C, where it ended the process.
func TestComputeTruncatedMapping(t *testing.T) {
	const T, H, W = 4096, 8, 8 // 512 KiB: over smallInput, so readInGo asks
	path := filepath.Join(t.TempDir(), "in.raw")
	b := make([]byte, T*H*W*2)
	for i := range b {
		b[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := syscall.Mmap(int(f.Fd()), 0, len(b), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	if err := os.Truncate(path, 4096); err != nil {
		t.Fatal(err)
	}
	data, err := array.Contiguous(array.Uint16, []int{T, H, W}, m)
	if err != nil {
		t.Fatal(err)
	}
	err = computeSmall(t, data)
	if _, ok := pool.FaultAddr(err); !ok {
		t.Fatalf("Compute on a truncated mapping: %v, want the fault as an error", err)
	}
}

// TestCheckMemory: a need over three quarters of the memory the process
// may use is refused naming what and both sizes, as is a negative
// (overflowed) one; a need up to smallNeed is taken without reading the
// limits, and one just over it is read and taken on this machine.
func TestCheckMemory(t *testing.T) {
	const smallNeed = 16 << 20 // (sysmem.Check's)
	total := TotalMemory()
	if total <= 4*smallNeed {
		t.Fatalf("TotalMemory %d: too little to test", total)
	}
	for _, c := range []struct {
		need int64
		ok   bool
	}{{0, true}, {smallNeed, true}, {smallNeed + 1, true}, {total / 2, true}, {total * 3 / 4, true},
		{total*3/4 + 1, false}, {total, false}, {1<<63 - 1, false}, {-1, false}} {
		err := CheckMemory("the thing", c.need)
		if (err == nil) != c.ok {
			t.Errorf("CheckMemory(%d) = %v, want ok %v", c.need, err, c.ok)
		}
		if err != nil && (!errors.Is(err, ErrMemory) || !strings.Contains(err.Error(), "the thing")) {
			t.Errorf("CheckMemory(%d): %v does not name ErrMemory and what", c.need, err)
		}
	}
}

// TestComputeUnreadableMemory: uint16 input in anonymous memory whose last
// page cannot be read (a caller's descriptor reaching past its buffer into
// a PROT_NONE page) is read in Go, where the fault is an error; the C path
// ended the host process with SIGSEGV (a host campaign).
func TestComputeUnreadableMemory(t *testing.T) {
	const T, H, W = 4096, 8, 8 // 512 KiB: over smallInput
	n := T * H * W * 2
	page := os.Getpagesize()
	m, err := syscall.Mmap(-1, 0, n+page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	for i := range m {
		m[i] = byte(i * 7)
	}
	// The descriptor's last frame lies in the last page, made unreadable.
	if err := syscall.Mprotect(m[n+page-page:], syscall.PROT_NONE); err != nil {
		t.Fatal(err)
	}
	data, err := array.Contiguous(array.Uint16, []int{T, H, W}, m[page:page+n])
	if err != nil {
		t.Fatal(err)
	}
	if !fileBacked(data.Data) {
		t.Fatal("memory with an unreadable page taken for readable")
	}
	err = computeSmall(t, data)
	if _, ok := pool.FaultAddr(err); !ok {
		t.Fatalf("Compute on memory with an unreadable page: %v, want the fault as an error", err)
	}
	// The same memory, all readable: computed (in C), as a copy gives.
	syscall.Mprotect(m[n:], syscall.PROT_READ)
	if fileBacked(data.Data) {
		t.Error("readable anonymous memory taken for a file's")
	}
	if err := computeSmall(t, data); err != nil {
		t.Fatal(err)
	}
}

// computeSmall runs Compute on data with a radius of 1, 4 points, 4 bins
// and one thread.
func computeSmall(t *testing.T, data array.View) error {
	t.Helper()
	o := DefaultOptions()
	o.Radius, o.Npoints, o.Nbins, o.Threads = 1, 4, 4, 1
	g, err := Plan(data.Shape, o)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := array.Contiguous(array.Float32, g.OutShape[:], make([]byte, 4*g.OutShape[0]*g.OutShape[1]*g.OutShape[2]*g.OutShape[3]))
	return Compute(context.Background(), out, data, o)
}
