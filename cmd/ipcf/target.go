package main

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/source"
)

// The outputs of the commands that write plain files (bleach, convolve,
// simulate, fit's MAPS.npy with its companions, and plot's pictures)
// follow one rule, the
// pCF job's: a file is replaced only if it is this command's earlier
// output, never a user's file or an input.

// errTarget reports an output the command refuses to write (exit status 1).
var errTarget = errors.New("output refused")

// plainCheck returns an error naming out if the command cmd may not write
// it: its folder does not exist, or out exists and is not a regular file,
// is one of the inputs (also through a link), or is not a file cmd wrote
// (its sidecar OUT.json names ipcf and cmd and describes the file as it
// is: ooc.Describes).
func plainCheck(cmd, out string, inputs ...string) error {
	for _, in := range inputs {
		if ooc.InsideFolder(out, in) { // a folder of frames: its files are read as they are found
			return fmt.Errorf("%s: %w: %s lies inside the input folder %s", cmd, errTarget, out, in)
		}
		if what := ooc.Clobbers(in, nil, ooc.Folder(out)); what != "" {
			return fmt.Errorf("%s: %w: %s: the command would remove this input; move it away or choose another output name", cmd, errTarget, what)
		}
		for _, p := range []string{out, ooc.SidecarName(out)} {
			if source.MatchesPattern(in, p) { // a pattern of frames: what it matches is read
				return fmt.Errorf("%s: %w: %s matches the input pattern %s: a later run would read it as a frame; write it elsewhere", cmd, errTarget, p, in)
			}
		}
	}
	if st, err := os.Stat(ooc.Folder(out)); err != nil {
		return fmt.Errorf("%s: %w: the folder of %s: %v", cmd, errTarget, out, err)
	} else if !st.IsDir() {
		return fmt.Errorf("%s: %w: the folder of %s is not a folder", cmd, errTarget, out)
	}
	for _, p := range []string{out, ooc.SidecarName(out)} {
		if err := npy.Unreplaceable(p); err != nil {
			return fmt.Errorf("%s: %w: %w", cmd, errTarget, err)
		}
	}
	st, err := os.Stat(out)
	if errors.Is(err, os.ErrNotExist) {
		if _, lerr := os.Lstat(out); lerr == nil {
			return fmt.Errorf("%s: %w: %s is a link to nothing: not replacing it", cmd, errTarget, out)
		}
		// A sidecar without its file is replaced only if it is ipcf's (of
		// a file removed since, or of a run killed between the two).
		side := ooc.SidecarName(out)
		if lst, err := os.Lstat(side); err == nil {
			// One read decides (a transient I/O error between two reads
			// called a good result's metadata another program's: FAULT12's F12)
			isSide, rerr := false, error(nil)
			if lst.Mode().IsRegular() {
				isSide, rerr = ooc.SidecarCheck(side)
			}
			if rerr != nil {
				return fmt.Errorf("%s: %s exists and could not be read to check that it is ipcf's metadata: %w; nothing was replaced", cmd, side, rerr)
			}
			if !isSide {
				return fmt.Errorf("%s: %w: %s exists and is not ipcf's metadata%s: not replacing it; remove it or choose another name",
					cmd, errTarget, side, ooc.SealNote(side))
			}
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w: %v", cmd, errTarget, err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("%s: %w: %s exists and is %s, not a file: not replacing it", cmd, errTarget, out, npy.Kind(st.Mode()))
	}
	for _, in := range inputs {
		if ist, err := os.Stat(in); err == nil && os.SameFile(st, ist) {
			return fmt.Errorf("%s: %w: %s is an input of this command", cmd, errTarget, out)
		}
	}
	if lst, err := os.Lstat(out); err == nil && lst.Mode()&os.ModeSymlink != 0 {
		return fmt.Errorf("%s: %w: %s is a link: not replacing what it points to", cmd, errTarget, out)
	}
	c, ok, rerr := ooc.DescribesErr(out)
	if rerr != nil {
		// Unreadable, not another program's (FAULT8's F5).
		return fmt.Errorf("%s: %s exists and could not be read to check that it is an output of ipcf %s: %w; nothing was replaced", cmd, out, cmd, rerr)
	}
	if !ok || c != cmd {
		side := filepath.Base(ooc.SidecarName(out))
		why := fmt.Sprintf("no sidecar %s describing it", side)
		if note := ooc.SealNote(ooc.SidecarName(out)); note != "" {
			why = fmt.Sprintf("its sidecar %s%s", side, note)
		} else if ooc.IsSidecar(ooc.SidecarName(out)) {
			// ipcf's metadata of other bytes: the file changed or was damaged
			// since (it said "no sidecar", which was there). Still refused: it
			// may be a user's file put at the path; the user decides.
			why = fmt.Sprintf("%s is ipcf's but records other bytes: the file changed or was damaged since ipcf wrote it; "+
				"if it is ipcf's, remove it to write it again", side)
		}
		switch {
		case ok && c == "":
			why = "it is a pCF result"
		case ok:
			why = "it is the output of ipcf " + c
		}
		if whole, part := ooc.PartOf(out); whole != "" {
			return fmt.Errorf("%s: %w: %s exists and is %s of the ipcf result %s (by its name, and that result records such a part): not replacing it; choose another name",
				cmd, errTarget, out, part, filepath.Base(whole))
		}
		return fmt.Errorf("%s: %w: %s exists and is not an output of ipcf %s (%s): not replacing it; remove it or choose another name",
			cmd, errTarget, out, cmd, why)
	}
	return nil
}

// lockPlain takes the output lock of out (job.Lock, the pCF job's) for a
// plain command: a second run on the same output fails at once. The lock
// lies in out's folder as the kernel finds it (ooc.OutputPath, as the pCF
// job's): a lexical clean took "link/../x.npy" for ./x.npy, not the link
// target's parent where the output is written, so two runs wrote it.
func lockPlain(cmd, out string) (func(), error) {
	abs, err := ooc.OutputPath(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", cmd, errTarget, err)
	}
	return job.Lock(abs)
}

// npyCRC returns the CRC-32C and the size of the .npy file that
// npy.WriteFile writes for the array.
func npyCRC(dt array.DType, shape []int, data []byte) (uint32, int64) {
	h := npy.HeaderBytes(dt, array.NativeOrder, shape)
	c := crc32.Update(crc32.Checksum(h, castagnoli), castagnoli, data)
	return c, int64(len(h) + len(data))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// plainMeta returns meta with the keys every plain output's sidecar has:
// software, version, command, and the size and checksum of the file.
func plainMeta(cmd string, meta map[string]any, crc uint32, size int64) map[string]any {
	m := map[string]any{}
	for k, v := range meta {
		m[k] = v
	}
	m["software"], m["version"], m["command"] = ooc.Marker, Version, cmd
	m["output_crc32c"], m["output_bytes"] = fmt.Sprintf("%08x", crc), size
	return m
}

// writePlain writes the array to out atomically with its sidecar
// OUT.json (plainMeta), so that a run killed at any instruction leaves a
// pair the next run takes for its own: the new content is written and
// synced under a temporary name, then the new sidecar, which describes it
// and names the old file's size and checksum ("previous_output_bytes",
// "previous_output_crc32c", when there is one: plainCheck took it for this
// command's), then
// the rename. Before the rename the old file matches the sidecar's
// previous record, after it the new one (plainCheck takes either).
func writePlain(cmd, out string, dt array.DType, shape []int, data []byte, meta map[string]any) error {
	crc, size := npyCRC(dt, shape, data)
	return writeOwned(cmd, out, crc, size, func(before func() error) error {
		return npy.WriteAtomicThen(out, func(w io.Writer) error { return npy.Write(w, dt, shape, data) }, before)
	}, meta)
}

// plainArray is the array a command's .npy result is computed into: a
// shared mapping of the output's temporary file where the file system
// reserves its blocks (npy.CreateMapped: the result lands in the page
// cache as it is computed, neither zeroed in fresh memory nor copied to
// be written), else memory (pcf.NewArray). publish writes it as
// writePlain does; release frees it (after publish too).
type plainArray struct {
	array.View
	dt     array.DType
	shape  []int
	mapped *npy.Mapped
	free   func()
}

// mapPlainOutputs is off in tests of the path from memory.
var mapPlainOutputs = true

// newPlainArray returns the array of out's result (what: its name in a
// message). A disk without room for it is an error now, before the work.
func newPlainArray(cmd, out, what string, dt array.DType, shape []int) (*plainArray, error) {
	p := &plainArray{dt: dt, shape: shape, free: func() {}}
	m, err := npy.CreateMapped(out, dt, shape)
	if err == nil && !mapPlainOutputs {
		m.Abort()
		err = npy.ErrNotReserved
	}
	if err == nil {
		if p.View, err = array.Contiguous(dt, shape, m.Data); err != nil {
			m.Abort()
			return nil, err
		}
		p.mapped = m
		return p, nil
	}
	if !errors.Is(err, npy.ErrNotReserved) {
		return nil, fmt.Errorf("%s: writing %s: %w", cmd, out, err)
	}
	if p.View, p.free, err = pcf.NewArray(what, dt, shape); err != nil {
		return nil, err
	}
	return p, nil
}

// faulted is err, or where err is a memory fault in the mapped output (its
// temporary file cut short by someone else) an error saying so.
func (p *plainArray) faulted(cmd, out string, err error) error {
	if addr, ok := pool.FaultAddr(err); ok && p.mapped != nil && p.mapped.Contains(addr) {
		return fmt.Errorf("%s: writing %s: its temporary file was cut short while the result was written into it (fault at %#x)", cmd, out, addr)
	}
	return err
}

// publish writes the result to out with its sidecar (writePlain).
func (p *plainArray) publish(cmd, out string, meta map[string]any) error {
	if p.mapped == nil {
		return writePlain(cmd, out, p.dt, p.shape, p.Data, meta)
	}
	m := p.mapped
	if err := m.Check(); err != nil {
		return fmt.Errorf("%s: writing %s: %w", cmd, out, err)
	}
	crc, err := mappedCRC(m.File)
	if err != nil {
		return fmt.Errorf("%s: writing %s: its temporary file was cut short after the result was written into it (%v)", cmd, out, err)
	}
	return writeOwned(cmd, out, crc, int64(len(m.File)), m.Commit, meta)
}

// mappedCRC is the CRC-32C of b, a file's mapping, or an error where
// reading it faults (the file cut short under it): never SIGBUS.
func mappedCRC(b []byte) (crc uint32, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(interface{ Addr() uintptr })
			if !ok {
				panic(r)
			}
			err = fmt.Errorf("fault at %#x", f.Addr())
		}
	}()
	return crc32.Checksum(b, castagnoli), nil
}

// release frees the array: the mapping and, unless published, its file.
func (p *plainArray) release() {
	if p.mapped != nil {
		p.mapped.Abort()
	}
	p.free()
}

// writeOwnedBytes is writePlain for content already encoded (plot's PNG).
func writeOwnedBytes(cmd, out string, content []byte, meta map[string]any) error {
	crc := crc32.Checksum(content, castagnoli)
	return writeOwned(cmd, out, crc, int64(len(content)), func(before func() error) error {
		return npy.WriteAtomicThen(out, func(w io.Writer) error {
			_, err := w.Write(content)
			return err
		}, before)
	}, meta)
}

// writeOwned writes out atomically with its sidecar as writePlain
// describes: publish (npy.WriteAtomicThen or Mapped.Commit) writes the
// content, whose CRC-32C and size are crc and size, calls its argument
// (the sidecar) and renames it into place.
func writeOwned(cmd, out string, crc uint32, size int64, publish func(before func() error) error, meta map[string]any) error {
	npy.RemoveStaleTemps(ooc.Folder(out)) // left by runs killed while writing
	side := ooc.SidecarName(out)
	m := plainMeta(cmd, meta, crc, size)
	var earlier []byte // the earlier output's sidecar (nil: none)
	placed := false    // the new sidecar is in place, the rename next
	var stepErr error  // sidecarFirst's, worded whole ("cmd: ...")
	sidecarFirst := func() (err error) {
		defer func() { stepErr = err }()
		// What lies at out now is checked again (plainCheck, under the
		// lock), once the content is written and synced, just before the
		// sidecar and the rename: a user's file that appeared there during
		// the run is never replaced.
		if err := plainCheck(cmd, out); err != nil {
			return err
		}
		// An existing out is this command's.
		if pc, ps, err := ooc.FileCRC(out); err == nil {
			m["previous_output_crc32c"], m["previous_output_bytes"] = fmt.Sprintf("%08x", pc), ps
		}
		if testHookPlainBeforeRename != nil {
			if err := testHookPlainBeforeRename(); err != nil {
				return err
			}
		}
		if b, err := os.ReadFile(side); err == nil {
			earlier = b
		}
		if err := writeSidecar(cmd, side, m); err != nil {
			return err
		}
		if testHookPlainAfterSidecar != nil {
			if err := testHookPlainAfterSidecar(); err != nil {
				return err
			}
		}
		placed = true
		return nil
	}
	err := publish(sidecarFirst)
	if err != nil && placed {
		// (Not where the rename went through and a later step failed,
		// closing the file: then out is the new file, which the new
		// sidecar describes.)
		if c, n, ferr := ooc.FileCRC(out); ferr == nil && c == crc && n == size {
			placed = false
		}
	}
	if err != nil && placed {
		// The rename failed (an I/O error, a folder put at out): the
		// earlier output stays, and gets its sidecar back, which the new
		// one replaced (it was refused as changed since ipcf wrote it).
		// A run killed here leaves the new sidecar, which names the
		// earlier output's checksum too: a rerun replaces it.
		if earlier != nil {
			npy.WriteAtomic(side, func(w io.Writer) error { _, err := w.Write(earlier); return err })
		} else {
			os.Remove(side)
		}
	}
	switch {
	case err != nil && stepErr != nil:
		// (not "bleach: writing o.npy: bleach: writing o.npy.json: ...":
		// BLEACH14's M9)
		return stepErr
	case err != nil:
		return fmt.Errorf("%s: writing %s: %w", cmd, out, err)
	}
	return nil
}

// Test hooks: a failure (standing for a kill) before the new sidecar is
// written, and between it and the rename.
var testHookPlainBeforeRename, testHookPlainAfterSidecar func() error

// writeSidecar writes the JSON metadata m to path atomically, sealed
// (ooc.Seal).
func writeSidecar(cmd, path string, m map[string]any) error {
	b, err := ooc.Seal(m)
	if err == nil {
		err = npy.WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(b); return err })
	}
	if err != nil {
		return fmt.Errorf("%s: writing %s: %w", cmd, path, err)
	}
	return nil
}
