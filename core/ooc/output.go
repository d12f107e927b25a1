package ooc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// castagnoli is the CRC-32C table (hardware accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CRC returns the CRC-32C of b.
func CRC(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }

// CRCUpdate continues a CRC-32C with b.
func CRCUpdate(crc uint32, b []byte) uint32 { return crc32.Update(crc, castagnoli, b) }

// Marker is the value of "software" in the metadata of every ipcf output;
// a folder without it is never replaced.
const Marker = "ipcf"

// Output receives the result tile by tile. Tiles are float32 (ty, tx,
// npoints, nbins) in C order, at output row y0 and column x0. The data go
// to a hidden partial output; Finish and Publish make it the result.
type Output interface {
	// Path is the final name.
	Path() string
	// Open creates the partial output, or reopens it to resume.
	Open(shape [4]int, tile [2]int, resume bool) error
	// WriteTile stores a tile and returns the CRC-32C of its stored bytes.
	WriteTile(y0, x0, ty, tx int, data []float32) (uint32, error)
	// TileCRC reads a stored tile back and returns its CRC-32C.
	TileCRC(y0, x0, ty, tx int) (uint32, error)
	// Sync makes the written tiles durable.
	Sync() error
	// Finish makes the partial output complete and durable with its
	// metadata and returns its checksum; the final name is untouched.
	Finish(meta map[string]any) (uint32, error)
	// Publish gives a finished partial output its final name (replacing an
	// earlier ipcf result) and writes its metadata. It may be repeated
	// after a kill: when the partial output is gone and the final one
	// carries the checksum, it completes what is missing.
	Publish(meta map[string]any, crc uint32) error
	// Verify reports whether the final output is complete, carries the
	// job key and matches its recorded checksums.
	Verify(key string) bool
	// PartialExists reports whether a partial output is there to resume.
	PartialExists() bool
	// Close releases open files (the partial output stays).
	Close() error
}

// PartialName is where an output is written until it is complete.
func PartialName(path string) string {
	path = strings.TrimRight(path, "/")
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".partial")
}

// PartialOf returns the output whose partial output (PartialName) path
// names, "" when it names none: .OUT.partial beside OUT. Readers refuse
// such a file or folder: a stopped or running job's unfinished output,
// its bands not yet computed zeros (a full disk's leftover was drawn by
// plot and read by Python's open_result, exit 0: DISK17's F1).
// Any element of the cleaned path counts: the array "0" of a partial
// OME-Zarr (.r.ome.zarr.partial/0) or ".partial/." is inside one
// (REVIEW19's F1).
func PartialOf(path string) string {
	dir := filepath.Clean(path)
	for {
		base := filepath.Base(dir)
		if name, ok := strings.CutSuffix(base, ".partial"); ok && strings.HasPrefix(name, ".") && len(name) >= 2 {
			return filepath.Join(filepath.Dir(dir), name[1:])
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// PartialForeign describes what lies at the partial output of path
// (PartialName) that ipcf did not write there, "" when nothing does or
// only ipcf's: a user's file or folder of that hidden name, which a run
// would overwrite or remove. A partial output of a file (.npy, TIFF, error
// bars) is ipcf's when it is empty (a run killed before its header) or
// begins with the .npy magic or a little-endian TIFF header (nearPrefix); a partial
// Zarr folder when it holds only files ipcf writes there (zarrForeign).
// Links, FIFOs and empty folders are replaced without touching anything
// they point to or hold (openOwn, ownDir), so they are not reported.
func PartialForeign(path string, folder bool) string {
	p := PartialName(path)
	st, err := os.Lstat(p)
	if err != nil {
		return ""
	}
	switch {
	case st.IsDir() && folder:
		if f := zarrForeign(p, true); f != "" {
			return fmt.Sprintf("a folder holding %s, which ipcf does not write there", f)
		}
		return ""
	case st.IsDir():
		if ents, err := os.ReadDir(p); err != nil || len(ents) > 0 {
			return "a folder that is not empty"
		}
		return ""
	case !st.Mode().IsRegular():
		return ""
	case folder:
		return "a file, where ipcf writes a folder"
	case st.Size() == 0:
		return ""
	}
	f, err := os.OpenFile(p, os.O_RDONLY|noFollow|noBlock, 0)
	if err != nil {
		return fmt.Sprintf("a file that cannot be read (%v)", err)
	}
	defer f.Close()
	head := make([]byte, 6)
	k, _ := io.ReadFull(f, head)
	head = head[:k]
	// A magic cut short, or with a byte or two damaged, is ipcf's too: a
	// partial output is computed again wherever it is damaged.
	for _, m := range [][]byte{[]byte("\x93NUMPY"), []byte("II*\x00")} {
		if nearPrefix(head, m) {
			return ""
		}
	}
	return "a file that is not a partial output of ipcf"
}

// Clobbers describes how a run would overwrite or remove the existing
// input in through a name of ipcf's own: in is, or lies inside, a path of
// own (mapped to what it is: a partial output, which an input of ipcf's
// format passes for, or a scratch folder; a run replaces or removes what
// is there), or it is named as a temporary file in one of the folders
// dirs, where npy.RemoveStaleTemps removes those no writer holds. It
// returns "" when none of these holds. An input at an output's own name
// is the caller's check.
func Clobbers(in string, own map[string]string, dirs ...string) string {
	st, err := os.Stat(in)
	if err != nil {
		return ""
	}
	for p, what := range own {
		ost, err := os.Stat(p)
		switch {
		case err != nil:
		case os.SameFile(st, ost):
			return fmt.Sprintf("%s is %s", in, what)
		case ost.IsDir() && InsideFolder(in, p):
			return fmt.Sprintf("%s lies inside %s, %s", in, p, what)
		}
	}
	if !st.Mode().IsRegular() || !npy.IsTempName(filepath.Base(in)) {
		return ""
	}
	ist, err := os.Stat(filepath.Dir(in))
	if err != nil {
		return ""
	}
	for _, d := range dirs {
		if dst, err := os.Stat(d); err == nil && os.SameFile(dst, ist) {
			return fmt.Sprintf("%s is named as a temporary file of ipcf's in %s (a run removes those no run holds)", in, d)
		}
	}
	return ""
}

// nearPrefix reports whether head begins as magic does, but for at most a
// quarter of magic's bytes (a prefix of it, when head is shorter).
func nearPrefix(head, magic []byte) bool {
	n := min(len(head), len(magic))
	diff := 0
	for i := range n {
		if head[i] != magic[i] {
			diff++
		}
	}
	return n > 0 && diff <= len(magic)/4 && (n == len(magic) || n == len(head))
}

// chunkKey reports whether rel is named as a Zarr chunk: indices joined
// by '.' or '/'.
func chunkKey(rel string) bool {
	for _, part := range strings.FieldsFunc(rel, func(r rune) bool { return r == '.' || r == '/' }) {
		if strings.Trim(part, "0123456789") != "" {
			return false
		}
	}
	return rel != "" && !strings.HasPrefix(rel, ".") && !strings.Contains(rel, "..") && !strings.HasSuffix(rel, ".") &&
		!strings.HasPrefix(rel, "/") && !strings.HasSuffix(rel, "/") && !strings.Contains(rel, "//")
}

// SidecarName is the metadata file of a .npy output.
func SidecarName(path string) string { return path + ".json" }

// Linked is path, or the file a link at path names where no sidecar lies
// beside the link: a result (its error bars, or an input ipcf wrote)
// linked into a work folder is read with the metadata, companions and lock
// beside that file, not as a file without them (read unchecked and
// unlabelled, or refused as lacking metadata; a stopped run's output
// beside its lock was read through a link). The one owner of that rule:
// the readers call it on the path they are given.
func Linked(path string) string {
	if _, err := os.Lstat(SidecarName(path)); !errors.Is(err, os.ErrNotExist) {
		return path
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil || real == filepath.Clean(path) {
		return path
	}
	return real
}

// NpyOutput writes a C-order float32 .npy file in place, tile by tile,
// with the job's metadata in a JSON sidecar (PATH.json) that names the
// file's checksum.
type NpyOutput struct {
	// Absent, if set, reports whether nothing lay at the path at the
	// caller's last check before the publication: the rename then never
	// replaces a file put there since (renameat2's RENAME_NOREPLACE on
	// Linux), failing with ErrAppeared. SidecarAbsent: the same of the
	// sidecar, where a file found then is never removed.
	Absent, SidecarAbsent func() bool

	path   string
	f      *os.File
	shape  [4]int
	header int
	buf    []byte // a row of a tile, reused
}

// NewNpyOutput returns an output that will be written to path.
func NewNpyOutput(path string) *NpyOutput { return &NpyOutput{path: path} }

func (o *NpyOutput) Path() string { return o.path }

func (o *NpyOutput) PartialExists() bool {
	st, err := os.Lstat(PartialName(o.path))
	return err == nil && st.Mode().IsRegular()
}

// openOwn opens name, a file of ipcf's own hidden names (a partial
// output, a scratch piece, a chunk's temporary file), never through a link
// and never blocking on a FIFO: an entry of another kind there (a link
// someone put in its place) is removed first, and what it pointed to is
// left untouched. A file found again this way is a new one: what a resumed
// run finds in it fails its checksums and is computed again.
func openOwn(name string, flags int) (*os.File, error) {
	trunc := flags&os.O_TRUNC != 0
	flags &^= os.O_TRUNC // truncated after the checks, not by the open
	for attempt := 0; ; attempt++ {
		f, err := os.OpenFile(name, flags|noFollow, 0o644)
		if err == nil {
			st, serr := f.Stat()
			// One name only: a hard link someone made to it would be
			// written (truncated) with it.
			if serr == nil && st.Mode().IsRegular() && nlink(st) <= 1 {
				if trunc {
					if err := f.Truncate(0); err != nil {
						f.Close()
						return nil, err
					}
				}
				return f, nil
			}
			f.Close()
			if serr != nil {
				return nil, serr
			}
		} else if !errors.Is(err, syscall.ELOOP) && !errors.Is(err, syscall.ENXIO) && !errors.Is(err, syscall.EISDIR) {
			return nil, err
		}
		if attempt > 0 {
			return nil, fmt.Errorf("%s is not a regular file and could not be replaced", name)
		}
		err = os.Remove(name)
		if err != nil && inScratch(name) {
			// A folder with files in place of a scratch piece: nothing of
			// a user's is in ipcf's scratch (it blocked every rerun).
			err = os.RemoveAll(name)
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s is not a regular file: %w", name, err)
		}
	}
}

// inScratch reports whether path lies in a scratch folder (ScratchDir).
func inScratch(path string) bool {
	for d := filepath.Dir(path); d != filepath.Dir(d); d = filepath.Dir(d) {
		if strings.HasPrefix(filepath.Base(d), ".ipcf-scratch-") {
			return true
		}
	}
	return false
}

// openOwnRead opens name, a file of ipcf's own hidden names (a scratch
// piece), for reading: never through a link and never waiting on a FIFO
// (one put in a piece's place hung a resumed run for good, deaf to
// SIGTERM); an entry of another kind is an error, and the caller computes
// the piece again.
func openOwnRead(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is %s, not a regular file", name, npy.Kind(st.Mode()))
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ownDir makes sure that dir, a folder of ipcf's own hidden names (a
// partial Zarr, a scratch folder), is not a link: a link there is removed
// (not what it points to).
func ownDir(dir string) error {
	st, err := os.Lstat(dir)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		return nil
	}
	return os.Remove(dir)
}

func (o *NpyOutput) Open(shape [4]int, tile [2]int, resume bool) error {
	o.shape = shape
	hdr := npy.HeaderBytes(array.Float32, array.Little, shape[:])
	o.header = len(hdr)
	size := int64(len(hdr)) + int64(shape[0])*int64(shape[1])*int64(shape[2])*int64(shape[3])*4
	p := PartialName(o.path)
	flags := os.O_RDWR | os.O_CREATE
	if !resume {
		flags |= os.O_TRUNC
	}
	f, err := openOwn(p, flags)
	if err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	if _, err := f.WriteAt(hdr, 0); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", p, err)
	}
	// A truncated partial output grows back with zeros: the tiles there
	// fail their checksums and are computed again.
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", p, err)
	}
	o.f = f
	return nil
}

func (o *NpyOutput) rowOffset(y0, y, x0 int) int64 {
	np, nb := o.shape[2], o.shape[3]
	return int64(o.header) + (int64(y0+y)*int64(o.shape[1])+int64(x0))*int64(np*nb)*4
}

func (o *NpyOutput) WriteTile(y0, x0, ty, tx int, data []float32) (uint32, error) {
	np, nb := o.shape[2], o.shape[3]
	row := tx * np * nb
	if cap(o.buf) < row*4 {
		o.buf = make([]byte, row*4)
	}
	buf := o.buf[:row*4]
	var crc uint32
	for y := 0; y < ty; y++ {
		for i, v := range data[y*row : (y+1)*row] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		crc = CRCUpdate(crc, buf)
		if _, err := o.f.WriteAt(buf, o.rowOffset(y0, y, x0)); err != nil {
			return 0, fmt.Errorf("output %s: %w", PartialName(o.path), err)
		}
	}
	return crc, nil
}

func (o *NpyOutput) TileCRC(y0, x0, ty, tx int) (uint32, error) {
	buf := make([]byte, tx*o.shape[2]*o.shape[3]*4)
	var crc uint32
	for y := 0; y < ty; y++ {
		if _, err := o.f.ReadAt(buf, o.rowOffset(y0, y, x0)); err != nil {
			return 0, err
		}
		crc = CRCUpdate(crc, buf)
	}
	return crc, nil
}

// Sync flushes the written tiles to disk.
func (o *NpyOutput) Sync() error { return o.f.Sync() }

func (o *NpyOutput) Close() error {
	if o.f == nil {
		return nil
	}
	err := o.f.Close()
	o.f = nil
	return err
}

func (o *NpyOutput) Finish(meta map[string]any) (uint32, error) {
	p := PartialName(o.path)
	if err := o.f.Sync(); err != nil {
		return 0, fmt.Errorf("output %s: %w", p, err)
	}
	crc, _, err := fileCRC(p)
	if err != nil {
		return 0, fmt.Errorf("output %s: %w", p, err)
	}
	return crc, o.Close()
}

func fileCRC(path string) (uint32, int64, error) {
	// Never blocking on a FIFO: only a regular file has a checksum here. A
	// link is followed (a user's result reached through one is theirs to
	// name; ipcf's own hidden names are checked with Lstat first).
	f, err := os.OpenFile(path, os.O_RDONLY|noBlock, 0)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return 0, 0, fmt.Errorf("%s is not a regular file", path)
	}
	// Reads of 256 KiB, checksummed while in the cache (io.CopyBuffer
	// would not take the buffer given: *os.File's WriteTo reads 32 KiB at
	// a time). On the default dataset's 262 MB: 36-44 ms of CPU against
	// 61-75 ms by 32 KiB and 37-55 ms by 1 MiB.
	return crcOf(f)
}

// crcOf is the CRC-32C of what r reads, and its length.
func crcOf(r io.Reader) (uint32, int64, error) {
	buf := make([]byte, 256<<10)
	var crc uint32
	var n int64
	for {
		k, err := r.Read(buf)
		crc, n = CRCUpdate(crc, buf[:k]), n+int64(k)
		if err == io.EOF {
			return crc, n, nil
		} else if err != nil {
			return crc, n, err
		}
	}
}

// Publish: the new sidecar is written aside first, then the old one goes
// (no sidecar ever describes other bytes than its file), then the rename,
// then the new sidecar takes its name (publishFiles).
func (o *NpyOutput) Publish(meta map[string]any, crc uint32) error {
	return publishFiles(o.path, "", meta, crc, 0, freshness{out: absent(o.Absent), sidecar: absent(o.SidecarAbsent)})
}

// absent calls f, false when it is nil.
func absent(f func() bool) bool { return f != nil && f() }

// freshness says which of a publication's paths must be empty (the
// outputs' Absent and SidecarAbsent).
type freshness struct{ out, sidecar, sd bool }

// ErrAppeared: a file appeared at an output after the last check before
// its publication; it is not replaced.
var ErrAppeared = errors.New("appeared during the run")

// ErrUnlabelled: a publication failed once some of its files were
// renamed into place, and their new sidecar is not there: the output
// holds files no sidecar describes. The job keeps its lock file, so that
// readers refuse them as a stopped run's, and a rerun of the job finishes
// the publication.
var ErrUnlabelled = errors.New("the result's files are in place without their metadata: run the same job again to finish it")

func (o *NpyOutput) Verify(key string) bool { return verifyFile(o.path, key) }

// publishFiles publishes the finished partial file of path and, when
// sdPath is not "", the finished partial file of its error bars (see
// PublishPair). The new sidecar is written (to a temporary file) before
// anything else, so a full disk leaves the earlier result as it was; then
// the old sidecar goes (no sidecar ever describes other bytes than its
// files), the files are renamed, and the new sidecar last. The error
// bars of the result replaced that its sidecar names (ErrorsName(path))
// go with it when the new result has none. fresh: which paths must be
// empty (NpyOutput.Absent). The .npy and TIFF outputs share it.
func publishFiles(path, sdPath string, meta map[string]any, crc, sdcrc uint32, fresh freshness) error {
	p := PartialName(path)
	dir := filepath.Dir(path)
	curves := isRegular(p)
	sd := sdPath != "" && isRegular(PartialName(sdPath))
	// The sidecar names the files' checksums and sizes, read from them as
	// they are now named (a publish that is repeated finds them renamed).
	named := func(final string, partial bool) string {
		if partial {
			return PartialName(final)
		}
		return final
	}
	got, size, err := fileCRC(named(path, curves))
	if err != nil {
		return fmt.Errorf("output %s: %w", path, err)
	}
	if got != crc {
		return fmt.Errorf("output %s: checksum %08x, the finished result had %08x (changed by another program?)", path, got, crc)
	}
	m := copyMeta(meta)
	m["output_crc32c"] = fmt.Sprintf("%08x", crc)
	m["output_bytes"] = size
	if sdPath != "" {
		got, size, err := fileCRC(named(sdPath, sd))
		if err != nil {
			return fmt.Errorf("output %s: %w", sdPath, err)
		}
		if got != sdcrc {
			return fmt.Errorf("output %s: checksum %08x, the finished error bars had %08x (changed by another program?)", sdPath, got, sdcrc)
		}
		e := map[string]any{}
		if em, ok := meta["errors"].(map[string]any); ok {
			e = copyMeta(em)
		}
		e["file"] = filepath.Base(sdPath)
		e["crc32c"] = fmt.Sprintf("%08x", sdcrc)
		e["bytes"] = size
		m["errors"] = e
	}
	b, err := Seal(m)
	if err != nil {
		return err
	}
	// The new sidecar is written whole and synced before anything of the
	// earlier result goes (a full disk fails here, that result untouched);
	// then the old sidecar goes, the files get their names, and the new
	// sidecar its own.
	var renameErr, syncErr error
	renamed := false // (a file of the result renamed into place)
	err = npy.WriteAtomicThen(SidecarName(path), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	}, func() error {
		renameErr = publishRenames(path, sdPath, curves, sd, fresh, &syncErr, &renamed)
		return renameErr
	})
	if err != nil && err != renameErr {
		if renamed {
			return fmt.Errorf("output %s: %w (%w)", SidecarName(path), err, ErrUnlabelled)
		}
		return fmt.Errorf("output %s: %w", SidecarName(path), err)
	}
	if err != nil {
		if renamed {
			return fmt.Errorf("%w (%w)", err, ErrUnlabelled)
		}
		return err
	}
	if err := syncDir(dir); err != nil && syncErr == nil {
		syncErr = err
	}
	if syncErr != nil {
		// Every file is in place and the new sidecar describes them: the
		// result is published, and only its durability is in doubt.
		return fmt.Errorf("output %s: the result is written and named, but its folder could not be synced to the disk (%w): a power cut or crash of the system may lose it; check the disk", path, syncErr)
	}
	return nil
}

// publishRenames removes the earlier result's sidecar (and the error bars
// it names, when the new result has none) and gives the finished partial
// files their names, the error bars first; sd and curves: whether each
// is still to be renamed; fresh: the paths where nothing may lie (a file
// put there since the caller's check is neither replaced nor removed:
// ErrAppeared).
//
// A folder that cannot be synced once a rename is done does not stop the
// publication midway (that left the earlier curves beside the new error
// bars without a sidecar: FAULT8's F1): the first such error goes to
// *syncErr, for the caller to report once the result is whole.
func publishRenames(path, sdPath string, curves, sd bool, fresh freshness, syncErr *error, renamed *bool) error {
	fault("publish-renames")
	p := PartialName(path)
	dir := filepath.Dir(path)
	// A rename that fails (an immutable or busy file) leaves the earlier
	// result in place: its sidecar is put back, or that result would be
	// taken for no ipcf result. (Not once a rename is done: the sidecar
	// would describe other bytes.)
	var oldSide []byte
	aside := "" // the earlier error bars, set aside (a temporary name) until the curves are renamed
	asideFrom := ErrorsName(path)
	restore := func(err error) error {
		if aside != "" {
			if rerr := renameFile(aside, asideFrom); rerr != nil {
				return fmt.Errorf("%w (putting back the earlier error bars, kept as %s: %v)", err, aside, rerr)
			}
		}
		if oldSide == nil {
			return err
		}
		if werr := npy.WriteAtomic(SidecarName(path), func(w io.Writer) error { _, e := w.Write(oldSide); return e }); werr != nil {
			return fmt.Errorf("%w (putting back the earlier result's sidecar: %v)", err, werr)
		}
		return err
	}
	if curves || sd {
		if _, err := os.Lstat(SidecarName(path)); err == nil && fresh.sidecar {
			return fmt.Errorf("a file %w at %s, which this run found empty: not removing it; remove it and run again (the finished result is published then)", ErrAppeared, SidecarName(path))
		}
		oldSide, _ = npy.ReadRegular(SidecarName(path), 64<<20)
		stale := sdPath == "" && RecordsErrors(path, ErrorsName(path))
		if stale {
			// Set aside under a temporary file's name (npy.RemoveStaleTemps
			// removes it after a kill) and removed once the curves are
			// renamed; put back if that rename fails. Before the sidecar
			// that names them goes: a kill between the two left them
			// beside the new result for good, named by no sidecar, and
			// a later run with error bars refused them as a user's file
			// (FAULT11's F1).
			aside = filepath.Join(dir, fmt.Sprintf(".ipcf-%d%d.tmp", os.Getpid(), time.Now().UnixNano()))
			if err := renameFile(ErrorsName(path), aside); err != nil {
				aside = ""
				if !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("output %s: %w", ErrorsName(path), err)
				}
			}
			fault("publish-aside") // the earlier error bars set aside, their sidecar still there
		}
		if err := os.Remove(SidecarName(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
			err = fmt.Errorf("output %s: %w", path, err)
			if aside != "" {
				if rerr := renameFile(aside, asideFrom); rerr != nil {
					return fmt.Errorf("%w (putting back the earlier error bars, kept as %s: %v)", err, aside, rerr)
				}
			}
			return err
		}
		fault("publish-unlabelled") // the earlier result without its sidecar, the new one not yet renamed
	}
	sdRenamed := false
	if sd {
		// The error bars first: the curves' rename is the last. The
		// earlier ones are set aside until then, so that a refused rename
		// of the curves (an immutable file) puts the earlier result back
		// whole; they were replaced, and the earlier curves were left
		// beside the new error bars (FAULT8's F1).
		if curves && aside == "" && !fresh.sd && isRegular(sdPath) {
			a := filepath.Join(dir, fmt.Sprintf(".ipcf-%d%d.tmp", os.Getpid(), time.Now().UnixNano()))
			if err := renameFile(sdPath, a); err != nil {
				return restore(fmt.Errorf("output %s: %w", sdPath, err))
			}
			aside, asideFrom = a, sdPath
		}
		if err := renameTo(PartialName(sdPath), sdPath, fresh.sd); err != nil {
			return restore(fmt.Errorf("output %s: %w", sdPath, err))
		}
		sdRenamed, *renamed = true, true
		if err := syncDir(filepath.Dir(sdPath)); err != nil && *syncErr == nil {
			*syncErr = err
		}
		fault("publish-errors")
	}
	if curves {
		if err := renameTo(p, path, fresh.out); err != nil {
			err = fmt.Errorf("output %s: %w", path, err)
			if sdRenamed {
				// The new error bars back to their partial name, then
				// the earlier result put back.
				if rerr := renameFile(sdPath, PartialName(sdPath)); rerr != nil {
					return fmt.Errorf("%w (taking back the new error bars: %v)", err, rerr)
				}
				*renamed = false
			}
			return restore(err)
		}
		*renamed = true
		if aside != "" {
			os.Remove(aside)
		}
		if err := syncDir(dir); err != nil && *syncErr == nil {
			*syncErr = err
		}
		fault("publish")
	}
	return nil
}

// renameFile is os.Rename (a test makes it fail).
var renameFile = os.Rename

// renameChecked renames old to new after checking that nothing lies at
// new (a window remains between the two).
func renameChecked(old, new string) error {
	if _, err := os.Lstat(new); err == nil {
		return &os.LinkError{Op: "rename", Old: old, New: new, Err: os.ErrExist}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return renameFile(old, new)
}

// renameTo renames old to new; fresh: never replacing a file at new
// (ErrAppeared).
func renameTo(old, new string, fresh bool) error {
	if !fresh {
		return renameFile(old, new)
	}
	err := renameNoReplace(old, new)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("a file %w at %s, which this run found empty: not replacing it; remove it and run again (the finished result is published then)", ErrAppeared, new)
	}
	return err
}

func isRegular(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// ErrorsName is the file of the error bars of the .npy result path:
// OUT.npy's are OUT.sd.npy.
func ErrorsName(path string) string {
	ext := filepath.Ext(path)
	return strings.TrimSuffix(path, ext) + ".sd" + ext
}

// ErrorsOf is the file of the error bars of the result path, as its
// readers find it: ErrorsName's, in the result's folder as the kernel
// finds it (through link/.. too). Not the name its sidecar recorded: a
// result renamed or copied with its error bars (g.npy, g.sd.npy) has
// them beside it under its own name (OUT15's F9); the recorded size and
// checksum say whether they are its.
func ErrorsOf(path string) string {
	return filepath.Join(Folder(path), filepath.Base(ErrorsName(path)))
}

// PartOf returns the .npy file whose ipcf sidecar names the file path as
// a part of it, and what part ("" if none): a pCF result's error bars
// (OUT.sd.npy, "errors"), or a fit's maps' standard errors, chi-square or
// status (MAPS.stderr.npy, ...), whatever the case of the extension (OUT.NPY's
// are OUT.sd.NPY). Such a file is not a result of its own, and no output of
// another run is to replace it (a user told to remove it damaged a result).
func PartOf(path string) (whole, part string) {
	ext := filepath.Ext(path)
	if !strings.EqualFold(ext, ".npy") {
		return "", ""
	}
	stem := strings.TrimSuffix(path, ext)
	kind := filepath.Ext(stem)
	whole = strings.TrimSuffix(stem, kind) + ext
	b, err := ReadMeta(SidecarName(whole))
	if err != nil {
		return "", ""
	}
	type file struct {
		File string `json:"file"`
	}
	var m struct {
		Software   string          `json:"software"`
		Errors     file            `json:"errors"`
		Companions map[string]file `json:"companions"`
	}
	if json.Unmarshal(b, &m) != nil || m.Software != Marker {
		return "", ""
	}
	switch {
	// (recorded under any name: a result renamed with its parts has them
	// under its own, OUT15's F9)
	case kind == ".sd" && m.Errors.File != "":
		return whole, "the error bars"
	case kind == ".stderr" && m.Companions["stderr"].File != "":
		return whole, "the standard errors of the fit maps"
	case kind == ".chisq" && m.Companions["chisq"].File != "":
		return whole, "the chi-square map of the fit maps"
	case kind == ".status" && m.Companions["status"].File != "":
		return whole, "the status map of the fit maps"
	}
	return "", ""
}

// PublishPair publishes the finished curves out (checksum crc) with their
// finished error bars sd (checksum sdcrc) as one result: the new sidecar
// is written aside, the old one goes, then the error bars and the curves
// get their final names, then the sidecar, naming both files with their
// checksums and sizes
// (meta["errors"], a map, gains "file", "crc32c" and "bytes"). Killed at
// any point it leaves no sidecar that describes another pair, and like
// Publish it may be repeated.
func PublishPair(out, sd *NpyOutput, meta map[string]any, crc, sdcrc uint32) error {
	return publishFiles(out.path, sd.path, meta, crc, sdcrc,
		freshness{out: absent(out.Absent), sidecar: absent(out.SidecarAbsent), sd: absent(sd.Absent)})
}

// errorsRecord is what a sidecar says of the result's error bars.
type errorsRecord struct {
	File  string `json:"file"`
	CRC   string `json:"crc32c"`
	Bytes int64  `json:"bytes"`
}

// sidecarErrors reads the errors record of path's sidecar: nil without one.
func sidecarErrors(path string) *errorsRecord {
	e, _ := sidecarErrorsErr(path)
	return e
}

// sidecarErrorsErr is sidecarErrors with the error of a sidecar that is
// there and could not be read (an I/O error, a permission refused): not
// to be taken for one that names no error bars (FAULT12's F12: a
// transient I/O error called good error bars another program's).
func sidecarErrorsErr(path string) (*errorsRecord, error) {
	var m struct {
		Software string          `json:"software"`
		Errors   json.RawMessage `json:"errors"`
	}
	b, err := ReadMeta(SidecarName(path))
	if err != nil && unreadable(err) {
		return nil, err
	}
	if err != nil || unmarshalExact(b, &m) != nil || m.Software != Marker || len(m.Errors) == 0 || string(m.Errors) == "null" {
		return nil, nil
	}
	var e errorsRecord
	if unmarshalExact(m.Errors, &e) != nil || e.File == "" {
		return nil, nil
	}
	return &e, nil
}

// RecordsErrors reports whether the sidecar of the ipcf result path names
// sdPath, a file beside it, as the result's error bars, and sdPath still
// holds them (the size and CRC-32C the sidecar records): a user's file
// put in their place is not ipcf's to replace or remove.
func RecordsErrors(path, sdPath string) bool {
	ok, _ := RecordsErrorsErr(path, sdPath)
	return ok
}

// RecordsErrorsErr is RecordsErrors with the error of error bars that
// the sidecar names but that cannot be read (a permission refused, an
// I/O error): not to be called another program's file (REVIEW11's F10).
func RecordsErrorsErr(path, sdPath string) (bool, error) {
	e, err := sidecarErrorsErr(path)
	if err != nil {
		return false, err
	}
	if e == nil || filepath.Base(e.File) != e.File {
		return false, nil
	}
	a, err1 := OutputPath(ErrorsOf(path))
	b, err2 := OutputPath(sdPath) // one name through a linked folder too
	if err1 != nil || err2 != nil || a != b {
		return false, nil
	}
	if st, err := os.Lstat(sdPath); err != nil || !st.Mode().IsRegular() {
		return false, nil // never opened: a FIFO would block
	}
	crc, n, err := fileCRC(sdPath)
	if err != nil && unreadable(err) {
		return false, err
	}
	return err == nil && n == e.Bytes && fmt.Sprintf("%08x", crc) == e.CRC, nil
}

// verifyFile reports whether the file path is complete: its sidecar names
// ipcf, the job key, and the file's size and checksum, and those of its
// error bars if it names them (a file beside it).
func verifyFile(path, key string) bool {
	var m struct {
		Software string `json:"software"`
		Key      string `json:"job_key"`
		CRC      string `json:"output_crc32c"`
		Bytes    int64  `json:"output_bytes"`
	}
	b, err := ReadMeta(SidecarName(path))
	if err != nil || unmarshalExact(b, &m) != nil || m.Software != Marker || m.Key != key {
		return false
	}
	crc, n, err := fileCRC(path)
	if err != nil || n != m.Bytes || fmt.Sprintf("%08x", crc) != m.CRC {
		return false
	}
	var e struct {
		Errors json.RawMessage `json:"errors"`
	}
	if unmarshalExact(b, &e) != nil {
		return false
	}
	if len(e.Errors) == 0 || string(e.Errors) == "null" {
		return true
	}
	rec := sidecarErrors(path)
	if rec == nil || filepath.Base(rec.File) != rec.File || rec.File == "." || rec.File == ".." {
		return false
	}
	crc, n, err = fileCRC(ErrorsOf(path))
	return err == nil && n == rec.Bytes && fmt.Sprintf("%08x", crc) == rec.CRC
}

func copyMeta(meta map[string]any) map[string]any {
	m := make(map[string]any, len(meta)+2)
	for k, v := range meta {
		m[k] = v
	}
	return m
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return npy.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(ASCII(b), '\n'))
		return err
	})
}

// ZarrOutput writes a Zarr v2 folder: one uncompressed chunk per tile
// (little-endian float32, C order, fill value NaN), the metadata in
// .zattrs with the CRC-32C of every chunk.
//
// The plain layout (NewZarrOutput, OUT.zarr) is an array at the folder's
// root with the .npy result's axes (y, x, offset, delay), chunks of (tile
// rows, tile columns, offsets, delays), the axis names in
// _ARRAY_DIMENSIONS (xarray's convention) and their units in axis_units.
// The OME-Zarr layout (NewOMEZarrOutput, OUT.ome.zarr) is an OME-NGFF 0.4
// image: a group whose multiscales metadata names the axes (delay: time,
// offset: channel, y and x: space in micrometres, spatial axes last) and
// one array "0" of shape (delays, offsets, rows, columns), chunks of
// (delays, offsets, tile rows, tile columns), nested ("/") chunk keys.
type ZarrOutput struct {
	path  string
	ngff  bool
	shape [4]int
	tile  [2]int
	crcs  map[string]string // chunk name (relative to the folder): CRC-32C, of the chunks written or verified
	dirs  map[string]bool   // chunk folders of the nested layout, synced by Sync
}

// NewZarrOutput returns an output that will be written to the folder path.
func NewZarrOutput(path string) *ZarrOutput { return &ZarrOutput{path: strings.TrimRight(path, "/")} }

// NewOMEZarrOutput returns an OME-NGFF 0.4 output (see ZarrOutput) that
// will be written to the folder path.
func NewOMEZarrOutput(path string) *ZarrOutput {
	return &ZarrOutput{path: strings.TrimRight(path, "/"), ngff: true}
}

func (o *ZarrOutput) Path() string { return o.path }

func (o *ZarrOutput) PartialExists() bool {
	st, err := os.Lstat(PartialName(o.path))
	return err == nil && st.IsDir()
}

// ZarrAxes are the axis names of a plain Zarr output (and of the .npy
// result); NGFFAxes those of an OME-Zarr output's array, and of a TIFF
// hyperstack's pages (frames: delay, channels: offset).
var (
	ZarrAxes = []string{"y", "x", "offset", "delay"}
	NGFFAxes = []string{"delay", "offset", "y", "x"}
)

func (o *ZarrOutput) Open(shape [4]int, tile [2]int, resume bool) error {
	o.shape, o.tile = shape, tile
	o.crcs = map[string]string{}
	o.dirs = map[string]bool{}
	p := PartialName(o.path)
	if err := ownDir(p); err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	if !resume {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
	} else if err := removePartialTemps(p); err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	meta := map[string]any{
		"zarr_format": 2,
		"shape":       shape[:],
		"chunks":      []int{tile[0], tile[1], shape[2], shape[3]},
		"dtype":       "<f4",
		"compressor":  nil,
		"fill_value":  "NaN",
		"order":       "C",
		"filters":     nil,
	}
	arr := p
	if o.ngff {
		meta["shape"] = []int{shape[3], shape[2], shape[0], shape[1]}
		meta["chunks"] = []int{shape[3], shape[2], tile[0], tile[1]}
		meta["dimension_separator"] = "/"
		if err := writeJSON(filepath.Join(p, ".zgroup"), map[string]any{"zarr_format": 2}); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
		arr = filepath.Join(p, "0")
		if err := os.MkdirAll(arr, 0o755); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
		// xarray's axis names for the array (the group's multiscales
		// metadata is written with the rest by Finish).
		if err := writeJSON(filepath.Join(arr, ".zattrs"), map[string]any{"_ARRAY_DIMENSIONS": NGFFAxes}); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
	}
	if err := writeJSON(filepath.Join(arr, ".zarray"), meta); err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	return nil
}

// removePartialTemps removes the temporary files (NAME.tmp of a chunk,
// .ipcf-*.tmp of a metadata file) that a run killed while it wrote them
// left in the partial Zarr folder p: the resumed run holds the output's
// lock, so none is being written, and the folder is renamed into place
// whole when it is complete (they were published with it).
func removePartialTemps(p string) error {
	err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), ".tmp") {
			return os.Remove(path)
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// chunk is the name of the chunk of the tile at (y0, x0), relative to the
// folder.
func (o *ZarrOutput) chunk(y0, x0 int) (string, error) {
	cy, cx := o.tile[0], o.tile[1]
	if y0%cy != 0 || x0%cx != 0 {
		return "", fmt.Errorf("output %s: tile at (%d,%d) not on the chunk grid", o.path, y0, x0)
	}
	if o.ngff {
		return fmt.Sprintf("0/0/0/%d/%d", y0/cy, x0/cx), nil
	}
	return fmt.Sprintf("%d.%d.0.0", y0/cy, x0/cx), nil
}

func (o *ZarrOutput) WriteTile(y0, x0, ty, tx int, data []float32) (uint32, error) {
	np, nb := o.shape[2], o.shape[3]
	cy, cx := o.tile[0], o.tile[1]
	cname, err := o.chunk(y0, x0)
	if err != nil {
		return 0, err
	}
	// Zarr stores whole chunks: pad edge tiles with NaN.
	buf := make([]byte, cy*cx*np*nb*4)
	nan := math.Float32bits(float32(math.NaN()))
	for i := 0; i < len(buf); i += 4 {
		binary.LittleEndian.PutUint32(buf[i:], nan)
	}
	row := tx * np * nb
	if o.ngff {
		// (delay, offset, row, column): every pixel's curves scattered.
		for y := 0; y < ty; y++ {
			for x := 0; x < tx; x++ {
				px := data[y*row+x*np*nb:][:np*nb]
				for k := 0; k < np; k++ {
					for j := 0; j < nb; j++ {
						binary.LittleEndian.PutUint32(buf[4*(((j*np+k)*cy+y)*cx+x):], math.Float32bits(px[k*nb+j]))
					}
				}
			}
		}
	} else {
		for y := 0; y < ty; y++ {
			for i, v := range data[y*row : (y+1)*row] {
				binary.LittleEndian.PutUint32(buf[4*(y*cx*np*nb+i):], math.Float32bits(v))
			}
		}
	}
	name := filepath.Join(PartialName(o.path), filepath.FromSlash(cname))
	if o.ngff {
		d := filepath.Dir(name)
		if !o.dirs[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return 0, fmt.Errorf("output %s: %w", o.path, err)
			}
			o.dirs[d] = true
		}
	}
	tmp := name + ".tmp"
	f, err := openOwn(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err == nil {
		_, err = f.Write(buf)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("output %s: %w", o.path, err)
	}
	crc := CRC(buf)
	o.crcs[cname] = fmt.Sprintf("%08x", crc)
	return crc, nil
}

func (o *ZarrOutput) TileCRC(y0, x0, ty, tx int) (uint32, error) {
	cname, err := o.chunk(y0, x0)
	if err != nil {
		return 0, err
	}
	b, err := readOwn(filepath.Join(PartialName(o.path), filepath.FromSlash(cname)))
	if err != nil {
		return 0, err
	}
	crc := CRC(b)
	o.crcs[cname] = fmt.Sprintf("%08x", crc)
	return crc, nil
}

// Sync flushes the folder (the chunks are synced as they are written)
// and, nested, the chunk folders and those above them.
func (o *ZarrOutput) Sync() error {
	p := PartialName(o.path)
	if o.ngff {
		dirs := make([]string, 0, len(o.dirs)+3)
		for d := range o.dirs {
			dirs = append(dirs, d)
		}
		sort.Strings(dirs)
		for _, d := range append(dirs, filepath.Join(p, "0", "0", "0"), filepath.Join(p, "0", "0"), filepath.Join(p, "0")) {
			if err := syncDir(d); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return syncDir(p)
}

func (o *ZarrOutput) Close() error { return nil }

// Finish writes .zattrs, with the checksum of every chunk, the axis names
// and units (and the OME-NGFF multiscales metadata), into the partial
// folder; the checksum of the output is that of .zattrs.
// zarrMetaFiles are the Zarr metadata files besides .zattrs of a layout,
// relative to the folder: their checksums are in .zattrs too.
func (o *ZarrOutput) zarrMetaFiles() []string {
	if o.ngff {
		return []string{".zgroup", "0/.zarray", "0/.zattrs"}
	}
	return []string{".zarray"}
}

func (o *ZarrOutput) Finish(meta map[string]any) (uint32, error) {
	p := PartialName(o.path)
	m := copyMeta(meta)
	m["chunks_crc32c"] = o.crcs
	files := map[string]string{}
	for _, name := range o.zarrMetaFiles() {
		b, err := readOwn(filepath.Join(p, filepath.FromSlash(name)))
		if err != nil {
			return 0, fmt.Errorf("output %s: %w", o.path, err)
		}
		files[name] = fmt.Sprintf("%08x", CRC(b))
	}
	m["metadata_crc32c"] = files
	info := infoOf(meta, o.shape)
	m["axis_units"] = info.axisUnits()
	if o.ngff {
		m["multiscales"] = info.multiscales(filepath.Base(o.path))
		m["stored_axes"] = NGFFAxes
	} else {
		m["_ARRAY_DIMENSIONS"] = ZarrAxes
	}
	b, err := Seal(m)
	if err != nil {
		return 0, err
	}
	if err := npy.WriteAtomic(filepath.Join(p, ".zattrs"), func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return 0, fmt.Errorf("output %s: %w", o.path, err)
	}
	if err := syncDir(p); err != nil {
		return 0, fmt.Errorf("output %s: %w", o.path, err)
	}
	return CRC(b), nil
}

// Publish puts the partial folder in place of an earlier result in one
// step where the system can (ReplaceDir), then removes the earlier result.
func (o *ZarrOutput) Publish(meta map[string]any, crc uint32) error {
	p := PartialName(o.path)
	old := OldName(o.path)
	dir := filepath.Dir(o.path)
	if o.PartialExists() && zarrPublished(o.path, crc) {
		// Killed between the swap and setting the earlier result aside
		// (ReplaceDir): the partial folder holds that one now.
		if err := RemoveOldZarr(old); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
		if err := os.Rename(p, old); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
	} else if o.PartialExists() {
		b, err := readOwn(filepath.Join(p, ".zattrs"))
		if err != nil && IsIOError(err) {
			return fmt.Errorf("output %s: the finished partial output's .zattrs could not be read to publish it (nothing was removed): %w", o.path, err)
		}
		if err != nil || CRC(b) != crc {
			return fmt.Errorf("output %s: the finished partial output changed (checksum of .zattrs)", o.path)
		}
		// Every chunk as .zattrs records it: a run killed after its commit
		// publishes on the rerun, and a chunk damaged meanwhile must be
		// computed again (the caller checks every tile), not published.
		if name, ok := zarrFilesMatch(p, b); !ok {
			return fmt.Errorf("output %s: %s of the finished partial output changed", o.path, name)
		}
		if err := removePartialTemps(p); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
		if _, err := os.Stat(o.path); err == nil {
			if ours, err := isOurs(o.path); err != nil {
				// (REVIEW9's F4: it was "not an ipcf result")
				return fmt.Errorf("output %s: the earlier result's .zattrs could not be read (an I/O error): not replacing it, nothing was removed: %w", o.path, err)
			} else if !ours {
				return fmt.Errorf("output %s exists and is not an ipcf result: not replacing it", o.path)
			}
			// Checked again here: a file put into the result while this
			// run computed would go with it.
			if f := ZarrForeign(o.path); f != "" {
				return fmt.Errorf("output %s holds %s, which ipcf did not write: not replacing the folder; move it out and run again (the finished result is published then)", o.path, f)
			}
			// A chunk edited in place while this run computed (in a
			// nested OME-Zarr folder, or its bytes overwritten: the
			// folder's own stat unchanged, so not checked again before:
			// REVIEW18's F2).
			if f, err := ZarrChanged(o.path); err != nil || f != "" {
				if err == nil {
					err = fmt.Errorf("its %s was changed since ipcf wrote it (edited in place, or damaged)", f)
				}
				return fmt.Errorf("output %s is not the ipcf result its .zattrs records: %w: not replacing it; move it aside and run again (the finished result is published then)", o.path, err)
			}
			if err := RemoveOldZarr(old); err != nil {
				return fmt.Errorf("output %s: %w", o.path, err)
			}
			if err := ReplaceDir(p, o.path, old); err != nil {
				return fmt.Errorf("output %s: %w", o.path, err)
			}
		} else if err := os.Rename(p, o.path); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
	}
	b, err := readOwn(filepath.Join(o.path, ".zattrs"))
	if err != nil && IsIOError(err) {
		// FAULT8's F5c: an I/O error here is not a changed result.
		return fmt.Errorf("output %s: its .zattrs could not be read to check the published result (the earlier result, if any, is kept aside): %w", o.path, err)
	}
	if err != nil || CRC(b) != crc {
		return fmt.Errorf("output %s: not the finished result (checksum of .zattrs)", o.path)
	}
	if err := RemoveOldZarr(old); err != nil {
		return fmt.Errorf("output %s: %w; the earlier result, set aside at %s, could not be removed: %w", o.path, ErrOldKept, old, err)
	}
	// Where setting the earlier result aside failed after the swap
	// (ReplaceDir: best effort), it is still at the partial name: a whole
	// hidden copy of it stayed there, through every "already complete"
	// rerun (FAULT11's M1). This run holds the lock: nothing else writes
	// there.
	if o.PartialExists() {
		if err := RemoveOldZarr(p); err != nil {
			return fmt.Errorf("output %s: %w; the earlier result, left at %s, could not be removed: %w", o.path, ErrOldKept, p, err)
		}
	}
	return nil
}

// ErrOldKept reports a result published whose earlier result, set aside,
// could not be removed: the result is whole; what failed is the removal.
var ErrOldKept = errors.New("the result is published")

// zarrPublished reports whether the Zarr folder at path is the finished
// result whose .zattrs has the checksum crc, every file as it records.
func zarrPublished(path string, crc uint32) bool {
	b, err := readOwn(filepath.Join(path, ".zattrs"))
	if err != nil || CRC(b) != crc {
		return false
	}
	_, ok := zarrFilesMatch(path, b)
	return ok
}

// OldName is where publishing a Zarr output sets the earlier result aside
// until it is removed.
func OldName(path string) string {
	path = strings.TrimRight(path, "/")
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".old")
}

// OldForeign describes what lies at OldName(path) that ipcf did not put
// there, "" when nothing does or only an earlier result of ipcf's: a
// user's folder or file of that hidden name, which publishing would keep,
// failing after all the work.
func OldForeign(path string) string {
	old := OldName(path)
	st, err := os.Lstat(old)
	switch {
	case err != nil:
		return ""
	case !st.IsDir():
		return npy.Kind(st.Mode()) + ", where ipcf sets an earlier result aside"
	}
	if f := ZarrForeign(old); f != "" {
		return fmt.Sprintf("a folder holding %s, which ipcf does not write there", f)
	}
	return ""
}

// RemoveOldZarr removes the earlier Zarr result (a pCF result's or a
// fit's maps) set aside at old, unless it holds a file ipcf did not write
// there (put in during the moment it was set aside): that is kept, and
// named.
func RemoveOldZarr(old string) error {
	if _, err := os.Lstat(old); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if f := ZarrForeign(old); f != "" {
		return fmt.Errorf("the earlier result set aside at %s holds %s, which ipcf did not write: kept; move it out", old, f)
	}
	if err := faultErr("remove-old"); err != nil { // (a read-only earlier result: tests)
		return err
	}
	return removeZarr(old)
}

// removeZarr removes the Zarr folder dir so that a kill at any moment
// leaves a folder ZarrForeign still takes for ipcf's: the chunks first,
// then the folders they leave empty, then the arrays' metadata, the
// group's metadata (.zattrs, which names ipcf and the arrays) last. Removed
// in directory order, a kill after .zattrs and .zarray went left chunks
// that no metadata described, and every later run refused the folder as
// holding files ipcf did not write (a faults campaign: 13 of 140 kill
// points of an .ome.zarr replacement).
func removeZarr(dir string) error {
	order, err := zarrRemovalOrder(dir)
	if err != nil {
		return err
	}
	for _, p := range order {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return os.RemoveAll(dir)
}

// zarrRemovalOrder is the order in which removeZarr removes what the Zarr
// folder dir holds: files that are not metadata (chunks), then the
// metadata, deeper first and at one depth .zarray, .zgroup, .zattrs, then
// the folders, deeper first (empty by then; ZarrForeign judges a folder
// by the files in it).
func zarrRemovalOrder(dir string) ([]string, error) {
	var chunks, meta, dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == dir:
		case d.IsDir():
			dirs = append(dirs, p)
		case d.Name() == ".zattrs" || d.Name() == ".zarray" || d.Name() == ".zgroup":
			meta = append(meta, p)
		default:
			chunks = append(chunks, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	depth := func(p string) int { return strings.Count(filepath.ToSlash(p), "/") }
	rank := func(p string) int {
		r := 3 * depth(p)
		switch filepath.Base(p) {
		case ".zarray":
			r += 2
		case ".zgroup":
			r++
		}
		return r
	}
	sort.SliceStable(meta, func(i, j int) bool { return rank(meta[i]) > rank(meta[j]) })
	sort.SliceStable(dirs, func(i, j int) bool { return depth(dirs[i]) > depth(dirs[j]) })
	return append(append(chunks, meta...), dirs...), nil
}

func (o *ZarrOutput) Verify(key string) bool {
	var m struct {
		Software string            `json:"software"`
		Key      string            `json:"job_key"`
		Chunks   map[string]string `json:"chunks_crc32c"`
		Multi    json.RawMessage   `json:"multiscales"`
	}
	b, err := ReadMeta(filepath.Join(o.path, ".zattrs"))
	if err != nil || unmarshalExact(b, &m) != nil || m.Software != Marker || m.Key != key || len(m.Chunks) == 0 {
		return false
	}
	if (len(m.Multi) > 0) != o.ngff {
		return false // the other layout
	}
	_, ok := zarrFilesMatch(o.path, b)
	return ok
}

// zarrFilesMatch reports whether every chunk and metadata file (.zarray,
// .zgroup) of the Zarr folder dir has the checksum its .zattrs (b)
// records, and else the first that does not. A .zattrs without metadata
// checksums (written before 2026-12-02) has its chunks checked only.
func zarrFilesMatch(dir string, b []byte) (string, bool) {
	files, err := zarrRecorded(b)
	if err != nil {
		return ".zattrs", false
	}
	for _, f := range files {
		c, err := readOwn(filepath.Join(dir, filepath.FromSlash(f[0])))
		if err != nil || fmt.Sprintf("%08x", CRC(c)) != f[1] {
			return f[0], false
		}
	}
	return "", true
}

// zarrRecorded lists the files (name, CRC-32C in hex) whose checksums the
// .zattrs b records: a pCF result's metadata files then chunks
// (metadata_crc32c, chunks_crc32c), a fit's maps' files (files_crc32c),
// each set by name.
func zarrRecorded(b []byte) ([][2]string, error) {
	var m struct {
		Chunks map[string]string `json:"chunks_crc32c"`
		Meta   map[string]string `json:"metadata_crc32c"`
		Files  map[string]string `json:"files_crc32c"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	var out [][2]string
	for _, files := range []map[string]string{m.Meta, m.Chunks, m.Files} {
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			out = append(out, [2]string{name, files[name]})
		}
	}
	return out, nil
}

// ZarrChanged returns the first chunk or array attributes (.zattrs) of
// the ipcf Zarr folder path (a pCF result or a fit's maps) that are there
// with another checksum than the one its .zattrs records ("" if none):
// edited in place (zarr's r+ mode), or damaged since. Such a folder is not
// replaced, as a .npy whose sidecar describes other bytes is not
// (ZARR17's F1: the edit was lost to a rerun, exit 0; REVIEW19's F2: an
// attribute added to an array). A file that is gone holds nothing to
// lose, and .zarray and .zgroup no user data: a rerun writes them again (a
// result whose .zarray is gone or damaged is computed again, as the
// README says: REVIEW18's m6). err is a file there that could not be
// read.
func ZarrChanged(path string) (string, error) {
	b, err := ReadMeta(filepath.Join(path, ".zattrs"))
	if err != nil {
		if unreadable(err) {
			return "", err
		}
		return "", nil // (no ipcf .zattrs: told apart by ZarrCommand)
	}
	files, err := zarrRecorded(b)
	if err != nil {
		return "", nil
	}
	for _, f := range files {
		switch filepath.Base(f[0]) {
		case ".zarray", ".zgroup":
			continue // (an array's .zattrs holds a user's attributes too: REVIEW19's F2)
		}
		c, err := readOwn(filepath.Join(path, filepath.FromSlash(f[0])))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil && unreadable(err):
			return f[0], err
		case err != nil || fmt.Sprintf("%08x", CRC(c)) != f[1]:
			if b2, err := readOwn(filepath.Join(path, ".zattrs")); err == nil && !bytes.Equal(b2, b) {
				// another result swapped in while the chunks were read
				// (a live run publishing): not a changed chunk of this
				// one (REVIEW18's m11); the publication checks again,
				// under the output's lock
				return "", nil
			}
			return f[0], nil
		}
	}
	return "", nil
}

// NpyIsOurs reports whether the file path is an ipcf .npy pCF result: its
// sidecar names ipcf as the software and describes the file as it is (see
// Describes), with no other command.
func NpyIsOurs(path string) bool {
	cmd, ok := Describes(path)
	return ok && cmd == ""
}

// Describes reports whether the sidecar of the file path (PATH.json)
// names ipcf as the software and the file's present size and CRC-32C
// ("output_bytes", "output_crc32c"), and returns the sidecar's "command"
// ("" for a pCF result, else the ipcf command that wrote the file). A file
// copied over an ipcf output keeps the sidecar but not its checksum: it is
// not described, so no other job replaces it. A sidecar's
// "previous_output_bytes" and "previous_output_crc32c" (the file it
// replaces, written just before a rename that a kill may prevent) describe
// the file too.
func Describes(path string) (command string, ok bool) {
	command, ok, _ = DescribesErr(path)
	return command, ok
}

// IsIOError reports whether err is the storage's failure to read or
// write (EIO, ESTALE, ETIMEDOUT: a disk, a network file system), not a
// file that is absent, of another kind or content.
func IsIOError(err error) bool {
	return errors.Is(err, syscall.EIO) || errors.Is(err, syscall.ESTALE) || errors.Is(err, syscall.ETIMEDOUT) || fsDamaged(err)
}

// unreadable reports whether err is a read's failure of a file that is
// there, not its absence or content: an I/O error (IsIOError) or a
// permission refused (another user's file of mode 600).
func unreadable(err error) bool {
	return IsIOError(err) || errors.Is(err, fs.ErrPermission)
}

// SidecarCheck reads path once and reports whether it is ipcf's metadata,
// or the error of a file that is there but could not be read (an I/O
// error, a permission refused).
func SidecarCheck(path string) (bool, error) { return namesIpcf(path, unreadable) }

// namesIpcf reads the metadata file path once and reports whether it
// names ipcf as its software, or the error of reading it where failed
// says the file is there but could not be read (not another program's).
func namesIpcf(path string, failed func(error) bool) (bool, error) {
	b, err := ReadMeta(path)
	if err != nil {
		if failed(err) {
			return false, err
		}
		return false, nil
	}
	var m struct {
		Software string `json:"software"`
	}
	return unmarshalExact(b, &m) == nil && m.Software == Marker, nil
}

// DescribesErr is Describes with the error of a sidecar or file that is
// there but could not be read (an I/O error, a permission refused): not
// described, and not to be called another program's file (it was, with
// the advice to remove a good result: FAULT8's F5, CLI11's F4).
func DescribesErr(path string) (command string, ok bool, ioErr error) {
	b, err := ReadMeta(SidecarName(path))
	if err != nil {
		if unreadable(err) {
			return "", false, err
		}
		return "", false, nil
	}
	var m struct {
		Software string `json:"software"`
		Command  string `json:"command"`
		CRC      string `json:"output_crc32c"`
		Bytes    *int64 `json:"output_bytes"`
		PrevCRC  string `json:"previous_output_crc32c"`
		PrevSize *int64 `json:"previous_output_bytes"`
	}
	if unmarshalExact(b, &m) != nil || m.Software != Marker || m.Bytes == nil {
		return "", false, nil
	}
	st, err := os.Stat(path)
	current := err == nil && st.Mode().IsRegular() && st.Size() == *m.Bytes
	previous := err == nil && st.Mode().IsRegular() && m.PrevSize != nil && st.Size() == *m.PrevSize
	if !current && !previous {
		return "", false, nil
	}
	crc, n, err := fileCRC(path)
	if err != nil {
		if unreadable(err) {
			return "", false, err
		}
		return "", false, nil
	}
	sum := fmt.Sprintf("%08x", crc)
	if !(current && n == *m.Bytes && sum == m.CRC || previous && n == *m.PrevSize && sum == m.PrevCRC) {
		return "", false, nil
	}
	return m.Command, true, nil
}

// FileCRC returns the CRC-32C and the size of the file path, the values a
// sidecar's "output_crc32c" and "output_bytes" hold.
func FileCRC(path string) (uint32, int64, error) { return fileCRC(path) }

// IsSidecar reports whether the regular file path (not a link) is JSON
// metadata that ipcf wrote: it names ipcf as the software.
func IsSidecar(path string) bool {
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		return false
	}
	ok, _ := SidecarCheck(path)
	return ok
}

// ZarrCommand returns the "command" of the ipcf Zarr folder path's .zattrs
// ("" for a pCF result, "fit" for a fit's maps) and whether it is one.
func ZarrCommand(path string) (string, bool) {
	c, ok, _ := ZarrCommandErr(path)
	return c, ok
}

// ZarrCommandErr is ZarrCommand with the error of a .zattrs that is
// there but could not be read (IsIOError): not to be called another
// program's folder (FAULT8's F5).
func ZarrCommandErr(path string) (string, bool, error) {
	b, err := ReadMeta(filepath.Join(path, ".zattrs"))
	if err != nil {
		if unreadable(err) {
			return "", false, err
		}
		return "", false, nil
	}
	var m struct {
		Software string `json:"software"`
		Command  string `json:"command"`
	}
	if unmarshalExact(b, &m) != nil || m.Software != Marker {
		return "", false, nil
	}
	return m.Command, true, nil
}

// ZarrForeign returns the first file or folder inside the ipcf Zarr
// folder path that ipcf does not write there ("" if none): a user's notes
// or another array put into a result, which replacing the result would
// delete. ipcf writes the group's .zattrs (and .zgroup), and in each of
// its arrays (the folder itself; "0" of an OME-Zarr; params, stderr,
// chisq and status of a fit's maps) .zarray, .zattrs and the chunks that
// the .zarray's shape and chunks name; temporary files of a killed run
// (NAME.tmp, .ipcf-*.tmp) are its own too. A link is never ipcf's.
func ZarrForeign(path string) string { return zarrForeign(path, false) }

// zarrForeign is ZarrForeign, or with partial that of a partial Zarr
// folder (PartialName): chunks judged by their names alone (a damaged
// .zarray of ipcf's leaves its chunks ipcf's), and links left out (a run
// removes them, never what they point to).
// omeGroup reports whether the .zattrs of the Zarr folder path describe
// an OME-NGFF group (ipcf's .ome.zarr results: "multiscales").
func omeGroup(path string) bool {
	b, err := ReadMeta(filepath.Join(path, ".zattrs"))
	if err != nil {
		return false
	}
	var m struct {
		Multiscales json.RawMessage `json:"multiscales"`
	}
	return unmarshalExact(b, &m) == nil && len(m.Multiscales) > 0 && string(m.Multiscales) != "null"
}

func zarrForeign(path string, partial bool) string {
	cmd, isIpcf := ZarrCommand(path)
	_, gerr := os.Lstat(filepath.Join(path, ".zgroup"))
	arrays := []string{"."}
	switch {
	case cmd == "fit":
		arrays = []string{"params", "stderr", "chisq", "status"}
	case gerr == nil || (isIpcf && omeGroup(path)):
		// An OME-Zarr: its array "0". (Told by its group's .zattrs too:
		// with .zgroup deleted, ipcf's 0/.zarray was called a file ipcf
		// did not write, and every rerun refused: FAULT8's F8.)
		arrays = []string{"0"}
	}
	grids := map[string]zarrGrid{}
	for _, a := range arrays {
		if g, ok := readZarrGrid(filepath.Join(path, a, ".zarray")); ok && !partial {
			grids[a] = g
		}
	}
	// ours reports whether rel (slash-separated) is a file ipcf writes.
	ours := func(rel string) bool {
		if rel == ".zattrs" || (gerr == nil && rel == ".zgroup") {
			return true
		}
		for _, a := range arrays {
			rest := rel
			if a != "." {
				var ok bool
				if rest, ok = strings.CutPrefix(rel, a+"/"); !ok {
					continue
				}
			}
			if rest == ".zarray" || rest == ".zattrs" {
				return true
			}
			if g, ok := grids[a]; ok && g.chunk(rest) {
				return true
			} else if !ok && chunkKey(rest) {
				// The array's .zarray gone or damaged: its chunks are
				// told by their names (a rerun writes it again).
				return true
			}
		}
		return false
	}
	foreign := ""
	filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == path {
			return nil
		}
		rel, _ := filepath.Rel(path, p)
		rel = filepath.ToSlash(rel)
		ok := false
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			ok = partial
		case d.IsDir():
			ok = true // judged by the files inside (an empty folder holds nothing to lose)
		case d.Type().IsRegular():
			base := filepath.Base(rel)
			ok = ours(rel) || (strings.HasPrefix(base, ".ipcf-") && strings.HasSuffix(base, ".tmp")) ||
				(strings.HasSuffix(rel, ".tmp") && ours(strings.TrimSuffix(rel, ".tmp")))
		}
		if !ok {
			foreign = rel
			return filepath.SkipAll
		}
		return nil
	})
	return foreign
}

// zarrGrid is a Zarr array's chunk grid: chunks along each axis and the
// separator of the chunk keys' indices.
type zarrGrid struct {
	n   []int
	sep string
}

// readZarrGrid reads the chunk grid of a .zarray.
func readZarrGrid(path string) (zarrGrid, bool) {
	b, err := npy.ReadRegular(path, 1<<20)
	if err != nil {
		return zarrGrid{}, false
	}
	var z struct {
		Shape  []int  `json:"shape"`
		Chunks []int  `json:"chunks"`
		Sep    string `json:"dimension_separator"`
	}
	if json.Unmarshal(b, &z) != nil || len(z.Shape) != len(z.Chunks) {
		return zarrGrid{}, false
	}
	g := zarrGrid{sep: z.Sep}
	if g.sep == "" {
		g.sep = "."
	}
	for i, s := range z.Shape {
		if z.Chunks[i] < 1 || s < 0 {
			return zarrGrid{}, false
		}
		g.n = append(g.n, max(1, (s+z.Chunks[i]-1)/z.Chunks[i]))
	}
	return g, true
}

// chunk reports whether key is the name of one of the grid's chunks.
func (g zarrGrid) chunk(key string) bool {
	parts := strings.Split(key, g.sep)
	if len(parts) != len(g.n) {
		return false
	}
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v >= g.n[i] || strconv.Itoa(v) != p {
			return false
		}
	}
	return true
}

// LooksLikeResult reports whether the file path is a .npy of float32 with
// the given shape: what a run killed between publishing its result and
// writing the sidecar leaves (never a user's notes or images).
func LooksLikeResult(path string, shape []int) bool {
	f, err := npy.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if f.DType != array.Float32 || len(f.Shape) != len(shape) {
		return false
	}
	for i := range shape {
		if f.Shape[i] != shape[i] {
			return false
		}
	}
	return true
}

// IsOurs reports whether the folder path is an ipcf Zarr result: its
// .zattrs names ipcf as the software.
func IsOurs(path string) bool {
	ours, _ := isOurs(path)
	return ours
}

// isOurs is IsOurs with the I/O error (IsIOError) of a .zattrs that is
// there but could not be read: not another program's folder.
func isOurs(path string) (bool, error) {
	return namesIpcf(filepath.Join(path, ".zattrs"), IsIOError)
}

// syncDir syncs the folder dir (its entries: renames, removals). A
// variable: a test makes it fail.
var syncDir = func(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// unmarshalExact decodes the JSON object b into v, a pointer to a struct
// whose fields carry json tags, taking only the keys equal to a tag:
// encoding/json matches keys case-insensitively, and metadata must be read
// as it is written ("softwAre" is not "software").
func unmarshalExact(b []byte, v any) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	rv := reflect.ValueOf(v).Elem()
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		if m, ok := raw[tag]; ok && tag != "" {
			if err := json.Unmarshal(m, rv.Field(i).Addr().Interface()); err != nil {
				return err
			}
		}
	}
	return nil
}

// MetaOf returns the metadata of the result at path: its sidecar, or the
// .zattrs of a Zarr folder.
func MetaOf(path string) ([]byte, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return ReadMeta(filepath.Join(path, ".zattrs"))
	}
	return ReadMeta(SidecarName(path))
}

// readOwn reads the regular file path, never through a link and never
// blocking on a FIFO (an ipcf sidecar, journal, job record or chunk that
// someone replaced by a FIFO would hang the run in open(2), beyond the
// reach of SIGINT): anything else there is an error. A variable for the
// tests, which inject an I/O error on one read.
var readOwn = readOwnFile

func readOwnFile(path string) ([]byte, error) {
	// A socket there fails open(2) with "no such device or address":
	// named by its kind instead.
	if st, err := os.Lstat(path); err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is %s, not a regular file", path, npy.Kind(st.Mode()))
	}
	f, err := openOwnRead(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// notOwn reports whether something other than a regular file (a link, a
// FIFO, a folder) is at path.
func notOwn(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && !st.Mode().IsRegular()
}

// FileMatches reports whether the file path has the CRC-32C crc (8 hex
// digits, as sidecars record it) and, when bytes is not nil, that size.
func FileMatches(path, crc string, bytes *int64) (bool, error) {
	got, n, err := fileCRC(path)
	if err != nil {
		return false, err
	}
	return fmt.Sprintf("%08x", got) == crc && (bytes == nil || *bytes == n), nil
}
