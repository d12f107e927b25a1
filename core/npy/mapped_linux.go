//go:build linux

package npy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"syscall"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
)

// Mapped is a .npy file being written through a shared mapping of its
// temporary file (CreateMapped): a result computed into Data goes into
// the page cache where it lies, with no copy of it to write and no fresh
// memory to zero for it (ipcf bleach on the default dataset, 245 MiB
// written, 6 interleaved runs: 1.01-1.08 CPU-s against 1.38-1.70 from
// memory). Commit publishes it as WriteAtomicThen does; Abort removes it.
type Mapped struct {
	Data  []byte // the samples, after the header
	File  []byte // the whole file: header and samples
	tmp   *os.File
	path  string
	size  int64
	hdr   []byte
	whole bool // the file system showed every block allocated after fallocate
	done  bool // committed or aborted
}

func fstat(f *os.File) (*syscall.Stat_t, error) {
	var st syscall.Stat_t
	return &st, syscall.Fstat(int(f.Fd()), &st)
}

// Check reports a temporary file that someone else changed while the
// result was written into it: deleted, cut short or grown, cut short and
// grown back (its header or blocks gone: the pages written before read
// back as zeros), so that Commit never publishes a wrong file under a
// checksum of it. Call it after the work, before the checksum.
func (m *Mapped) Check() error {
	st, err := fstat(m.tmp)
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", m.tmp.Name(), err)
	case st.Nlink == 0:
		return fmt.Errorf("%s was deleted while the result was written into it", m.tmp.Name())
	case st.Size != m.size:
		return fmt.Errorf("%s was changed while the result was written into it: %d bytes, want %d", m.tmp.Name(), st.Size, m.size)
	case m.whole && st.Blocks*512 < m.size:
		return fmt.Errorf("%s was cut short while the result was written into it: %d of its %d bytes have blocks", m.tmp.Name(), st.Blocks*512, m.size)
	}
	got := make([]byte, len(m.hdr))
	if _, err := m.tmp.ReadAt(got, 0); err != nil || !bytes.Equal(got, m.hdr) {
		return fmt.Errorf("%s was cut short while the result was written into it: its header is gone", m.tmp.Name())
	}
	return nil
}

// ErrNotReserved reports a file system that cannot reserve a file's blocks
// (fallocate): a shared mapping of it could fault (SIGBUS) where the disk
// fills; the caller writes the file from memory instead.
var ErrNotReserved = errors.New("npy: the file system cannot reserve the file's blocks")

// populateMax is the largest file CreateMapped faults in at once (the
// default dataset's bleach output, 500 MiB, is).
const populateMax = 512 << 20

// fallocate reserves size bytes of the file fd (tests replace it).
var fallocate = func(fd int, size int64) error { return syscall.Fallocate(fd, 0, 0, size) }

// CreateMapped creates the temporary file of the .npy file path (native
// byte order, C order, dtype dt, shape), reserves its blocks, writes its
// header and maps it. A full disk (or quota, or file size limit) is its
// error at once, before any work; a file system without fallocate is
// ErrNotReserved.
func CreateMapped(path string, dt array.DType, shape []int) (*Mapped, error) {
	n, ok := DataSize(dt, shape)
	if !ok {
		return nil, fmt.Errorf("npy: shape %v of %s overflows", shape, dt)
	}
	hdr := HeaderBytes(dt, array.NativeOrder, shape)
	size := int64(len(hdr)) + n
	if size != int64(int(size)) {
		return nil, fmt.Errorf("npy: %d bytes cannot be mapped", size)
	}
	// Temporary files of killed runs first: one holds the blocks of a
	// whole result, which a full disk would otherwise never get back.
	RemoveStaleTemps(dirOf(path))
	tmp, err := createTemp(dirOf(path))
	if err != nil {
		return nil, err
	}
	m := &Mapped{tmp: tmp, path: path, size: size, hdr: hdr}
	fail := func(err error) (*Mapped, error) {
		m.Abort()
		return nil, err
	}
	for {
		err = fallocate(int(tmp.Fd()), size)
		if err != syscall.EINTR {
			break
		}
	}
	switch {
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG):
		return fail(fmt.Errorf("reserving %d bytes in %s: %w", size, dirOf(path), err))
	case err != nil:
		return fail(fmt.Errorf("%w (%v)", ErrNotReserved, err))
	}
	// The header written, not copied through the mapping: nothing can fault
	// outside the workers (whose faults are errors).
	if _, err := tmp.WriteAt(hdr, 0); err != nil {
		return fail(fmt.Errorf("writing %s: %w", tmp.Name(), err))
	}
	if st, err := fstat(tmp); err == nil {
		m.whole = st.Blocks*512 >= size // every block allocated (not so where a file system compresses)
	}
	b, err := syscall.Mmap(int(tmp.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fail(fmt.Errorf("%w (mapping: %v)", ErrNotReserved, err))
	}
	m.File, m.Data = b, b[len(hdr):]
	// Every page is about to be written: fault them all in now, in one
	// call (MADV_POPULATE_WRITE, Linux 5.14; a hint, nothing where it is
	// missing), not one fault and block reservation per 4 KiB page as the
	// workers first write it. ipcf bleach, default dataset: system CPU
	// 0.66-0.76 s not populated (4 runs), 0.19-0.22 s populated (6 runs).
	// Files up to populateMax only: the call cannot be interrupted, and
	// a simulation of 100 frames of 8192 x 8192 (13 GB) spent 7 to 11 s in
	// it, with its pages in memory, before Ctrl+C was seen (a campaign).
	const madvPopulateWrite = 23
	if len(b) <= populateMax {
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), madvPopulateWrite)
	}
	return m, nil
}

// Contains reports whether addr lies in the file's mapping (a fault
// there is the temporary file cut short by someone else).
func (m *Mapped) Contains(addr uintptr) bool {
	if len(m.File) == 0 {
		return false
	}
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(m.File)))
	return addr >= lo && addr-lo < uintptr(len(m.File))
}

// Commit writes the mapped pages to disk, then calls before (the
// sidecar), then renames the file to its path, as WriteAtomicThen; on an
// error the file is removed. Data must not be used after.
func (m *Mapped) Commit(before func() error) error {
	var err error
	if len(m.File) > 0 {
		const msSync = 4
		if _, _, e := syscall.Syscall(syscall.SYS_MSYNC, uintptr(unsafe.Pointer(&m.File[0])), uintptr(len(m.File)), msSync); e != 0 {
			err = fmt.Errorf("syncing %s: %w", m.tmp.Name(), e)
		}
	}
	if err == nil {
		err = m.tmp.Sync()
	}
	if err == nil {
		err = m.Check() // changed since the checksum?
	}
	if err == nil {
		err = m.tmp.Chmod(CreateMode(0o666)) // CreateTemp makes 0600 files
	}
	if err == nil && before != nil {
		err = before()
	}
	if err == nil {
		err = os.Rename(m.tmp.Name(), m.path) // still open: locked until renamed
	}
	if err != nil {
		m.Abort()
		return err
	}
	return m.close()
}

// Abort unmaps and removes the temporary file; after Commit it does
// nothing.
func (m *Mapped) Abort() {
	if m.done {
		return
	}
	m.close()
	os.Remove(m.tmp.Name())
}

func (m *Mapped) close() error {
	m.done = true
	if m.File != nil {
		syscall.Munmap(m.File)
		m.File, m.Data = nil, nil
	}
	return m.tmp.Close()
}
