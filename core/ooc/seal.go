package ooc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ipcf/ipcf/core/npy"
)

// SealKey is the field of every metadata file ipcf writes (a sidecar
// OUT.json, a Zarr result's .zattrs) that holds the file's own checksum:
// the CRC-32C of the file's bytes with the field's 8 hex digits read as
// "00000000". A sidecar is what gives a result its meaning (its delays,
// offsets and units), and a changed digit there changes a fit's numbers:
// a sidecar that was edited or corrupted since ipcf wrote it is refused.
const SealKey = "self_crc32c"

// ErrSealBroken reports metadata whose bytes are not those its SealKey
// records (changed since ipcf wrote it).
var ErrSealBroken = errors.New("metadata changed since ipcf wrote it")

// ErrWrittenChanged reports an input file ipcf wrote that is no longer
// what its sidecar records (CheckWritten).
var ErrWrittenChanged = errors.New("changed or damaged since ipcf wrote it")

var (
	sealPlaceholder = []byte(`"` + SealKey + `": "00000000"`)
	sealField       = regexp.MustCompile(`"` + SealKey + `"\s*:\s*"([^"]*)"`)
)

// Seal returns m as indented JSON text ending in a newline, with SealKey
// set to the text's checksum. m is not changed.
func Seal(m map[string]any) ([]byte, error) {
	c := make(map[string]any, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	c[SealKey] = "00000000"
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return nil, err
	}
	b = append(ASCII(b), '\n')
	i := bytes.Index(b, sealPlaceholder)
	if i < 0 || bytes.Index(b[i+1:], sealPlaceholder) >= 0 {
		return nil, fmt.Errorf("metadata: %s not found once in the text", SealKey)
	}
	crc := CRC(b)
	copy(b[i+len(sealPlaceholder)-9:], fmt.Sprintf("%08x", crc))
	return b, nil
}

// ASCII returns the JSON text b with every character outside ASCII
// written as a \uXXXX escape (a UTF-16 surrogate pair beyond U+FFFF), the
// same JSON value: zarr-python 2 (Debian's) decodes metadata as ASCII, and
// a result whose input path held a "µ" had attributes no reader could
// open (ZARR17's m1). JSON's own syntax is ASCII, so only strings change.
func ASCII(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	out := make([]byte, 0, len(b)+len(b)/8)
	out = append(out, b[:i]...)
	for _, r := range string(b[i:]) {
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		default:
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

// CheckSeal checks metadata text against the checksum its SealKey
// records, returning an error wrapping ErrSealBroken if they differ or
// the field is not one field of 8 lower-case hex digits. Text without the
// field passes when its "version" is one before SealVersion (or it has
// none: not ipcf's).
func CheckSeal(b []byte) error {
	loc := sealField.FindAllSubmatchIndex(b, 2)
	switch {
	case len(loc) == 0:
		// Without the field: metadata of a version that seals (a damaged
		// key would otherwise turn the check off) is refused.
		var v struct {
			Version string `json:"version"`
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &v); err != nil {
			if bytes.Contains(b, []byte(SealKey)) {
				// The field's own bytes damaged (a quote or the colon).
				return fmt.Errorf("%w: %s is there but not as a field: not valid JSON (%v)", ErrSealBroken, SealKey, err)
			}
			return nil // not JSON: the caller's parse says so
		}
		if sealsVersion(v.Version) {
			return fmt.Errorf("%w: version %s records no %s", ErrSealBroken, v.Version, SealKey)
		}
		if v.Version != "" && json.Unmarshal(b, &fields) == nil {
			for _, k := range sealedOnly {
				if _, ok := fields[k]; ok {
					// Metadata of a sealing version whose "version" was
					// set back, and its seal removed.
					return fmt.Errorf("%w: version %s records no %s, and never wrote %s (a field of %s and later)", ErrSealBroken, v.Version, SealKey, k, SealVersion)
				}
			}
		}
		return nil
	case len(loc) > 1:
		return fmt.Errorf("%w: %s appears more than once", ErrSealBroken, SealKey)
	}
	v := b[loc[0][2]:loc[0][3]]
	if len(v) != 8 || !isHex(v) {
		return fmt.Errorf("%w: %s is %q, not 8 hex digits", ErrSealBroken, SealKey, v)
	}
	zeroed := bytes.Clone(b)
	copy(zeroed[loc[0][2]:], "00000000")
	if got := fmt.Sprintf("%08x", CRC(zeroed)); got != string(v) {
		return fmt.Errorf("%w: its checksum is %s, it records %s (%s)", ErrSealBroken, got, v, SealKey)
	}
	return nil
}

// SealVersion is the first version whose metadata are sealed.
const SealVersion = "0.3.1"

// sealedOnly are the metadata fields that versions before SealVersion
// never wrote: unsealed metadata holding one are a later version's,
// edited.
var sealedOnly = []string{"device_used", "bins_averaged"}

// sealsVersion reports whether version v (major.minor.patch, as the
// metadata's "version") is SealVersion or later; a version that does not
// parse is one (it was changed).
func sealsVersion(v string) bool {
	if v == "" {
		return false
	}
	var a, b [3]int
	if n, err := fmt.Sscanf(v, "%d.%d.%d", &a[0], &a[1], &a[2]); n != 3 || err != nil || fmt.Sprintf("%d.%d.%d", a[0], a[1], a[2]) != v {
		return true
	}
	fmt.Sscanf(SealVersion, "%d.%d.%d", &b[0], &b[1], &b[2])
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return true
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ReadMeta reads the metadata file path (a regular file, never through a
// link or blocking on a FIFO) and checks its seal (CheckSeal); the error
// names the file and says what to do.
func ReadMeta(path string) ([]byte, error) {
	b, err := readOwn(path)
	if err != nil {
		return nil, err
	}
	if err := CheckMeta(path, b); err != nil {
		return nil, err
	}
	return b, nil
}

// CheckMetaText is CheckSeal of text b that must be metadata: text that is
// not one complete JSON object (empty, cut short: a cut drops the seal and
// the version, written last) is refused too, never taken for metadata of
// a version before the seal. For hosts whose own JSON readers take what
// is left of damaged text (ImageJ's, Octave's one-output read);
// CheckSeal leaves such text to the caller's parse.
func CheckMetaText(b []byte) error {
	if err := CheckSeal(b); err != nil {
		return err
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil || v == nil {
		if err == nil {
			err = errors.New("not an object")
		}
		return notMetaError{err}
	}
	return nil
}

// notMetaError is CheckMetaText's refusal of text that is no JSON object:
// ErrSealBroken to errors.Is (a host's status), but not said to have
// changed since ipcf wrote it, which a file ipcf never wrote beside a
// result (a YAML file, a JSON array, an empty file) has not (OCT18's m3).
type notMetaError struct{ err error }

func (e notMetaError) Error() string {
	return "not ipcf's metadata as it writes them: not one complete JSON object (damaged JSON, cut short, or another program's file): " + e.err.Error()
}

func (e notMetaError) Unwrap() error { return ErrSealBroken }

// CheckMeta is CheckSeal of the text b of the metadata file path, its
// error naming the file and saying what to do.
func CheckMeta(path string, b []byte) error {
	if err := CheckSeal(b); err != nil {
		return fmt.Errorf("%s: %w: %s", path, err, metaAdvice(err))
	}
	return nil
}

// CheckMetaTextUse is CheckMetaText with what to do, as the hosts refuse
// metadata (ipcf_check_metadata).
func CheckMetaTextUse(b []byte) error {
	if err := CheckMetaText(b); err != nil {
		return fmt.Errorf("%w: %s", err, metaAdvice(err))
	}
	return nil
}

// metaAdvice is what to do with metadata refused by err: text that is no
// JSON object may be a file ipcf never wrote (it was told to compute the
// result again, as edited since: REVIEW22's m1).
func metaAdvice(err error) string {
	var nm notMetaError
	if errors.As(err, &nm) {
		return "not used (a file of another program named as ipcf's metadata: move it away; ipcf's, damaged: remove the result with its metadata, error bars or companions, and compute it again)"
	}
	return "not used (edited or damaged since: remove the result with its metadata, error bars or companions, and compute it again)"
}

// SealNote says why the metadata file path is not taken for ipcf's when
// its seal is broken ("" otherwise): for the messages of a refused output.
func SealNote(path string) string {
	b, err := readOwn(path)
	if err != nil {
		return ""
	}
	if err := CheckSeal(b); err != nil {
		return " (" + err.Error() + ")"
	}
	if !json.Valid(b) {
		// ipcf's metadata cut short are told from none (ZARR17's m3: "no
		// ipcf .zattrs", of a result whose .zattrs was cut)
		if looksOurs(b) {
			return " (ipcf's metadata, damaged: not valid JSON)"
		}
		return " (not valid JSON: damaged, or another program's)"
	}
	return ""
}

// looksOurs reports whether metadata bytes that are not valid JSON were
// ipcf's: they hold one of the keys or values every ipcf sidecar of an
// input holds (a damaged byte or two cannot remove them all, and "command",
// early in the sorted keys, survives a file cut short).
func looksOurs(b []byte) bool {
	for _, k := range []string{`"` + SealKey + `"`, `"output_crc32c"`, `"software"`, `"` + Marker + `"`,
		`"command": "bleach"`, `"command": "simulate"`} {
		if bytes.Contains(b, []byte(k)) {
			return true
		}
	}
	return false
}

// maxSidecar bounds the metadata CheckWritten reads.
const maxSidecar = 256 << 20

// CheckWritten checks an input file that ipcf wrote (a bleached stack, a
// simulation, or a convolution: its sidecar PATH.json names ipcf's bleach, simulate or convolve and
// records the file's size and CRC-32C) against that record, so that a file damaged or
// changed since is not read as if it were the one ipcf wrote. A file
// without such a sidecar (the user's own data) passes; so does one
// whose sidecar records no checksum, or whose sidecar is not ipcf's
// metadata (another program's JSON, null, {}, or text that is not JSON and
// names nothing of ipcf's); ipcf's metadata damaged into text that is not
// JSON, or a sidecar that is not a file, are refused. The error says how to use the file as it is (remove
// its sidecar).
func CheckWritten(path string) error {
	w, err := WrittenRecord(path)
	if err != nil || w == nil {
		return err
	}
	return w.Check()
}

// Written is the record of a file that ipcf wrote, as its sidecar names
// it (WrittenRecord): its size and CRC-32C.
type Written struct {
	path, side, command, crc string
	bytes                    int64
	// units: those its input had (ipcf bleach records them), 0 unknown;
	// notSquare: its input's pixels were not square ("" where they were)
	frameInterval, pixelSize float64
	notSquare                string
}

// Units returns the frame interval (s) and pixel size (um) the record
// gives the file (a stack ipcf bleach corrected keeps its input's), 0
// where it gives none.
func (w *Written) Units() (frameInterval, pixelSize float64, notSquare string) {
	if w == nil {
		return 0, 0, ""
	}
	return w.frameInterval, w.pixelSize, w.notSquare
}

// WrittenRecord is CheckWritten without reading the file: every check of
// the sidecar and the file's size, and the record to check the file's
// bytes against (Check, CheckExcept); nil where CheckWritten passes a file
// unread.
func WrittenRecord(path string) (*Written, error) {
	// A link to ipcf's file (a dataset linked into a work folder): the
	// sidecar beside the file it names (Linked). Looked up beside the link
	// alone, a damaged stack was read unchecked and without its units.
	side := SidecarName(Linked(path))
	if _, err := os.Lstat(side); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return nil, nil // a folder of frames, a pattern: read as they are
	}
	// Through a link too (data and sidecar linked from elsewhere); a
	// FIFO, a folder or a device there is refused, never waited on nor
	// taken for absent: it would switch the check off.
	if sst, err := os.Stat(side); err == nil && !sst.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is %s, not a regular file, so %s cannot be checked against ipcf's record; remove %s to read the file as it is", ErrWrittenChanged, side, npy.Kind(sst.Mode()), path, filepath.Base(side))
	}
	b, err := npy.ReadRegular(side, maxSidecar)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // gone since the Lstat, or a dangling link
	} else if err != nil {
		// Unreadable (permissions): its record cannot be checked, and
		// taking the file as a user's own would read a damaged one.
		return nil, fmt.Errorf("%w: the metadata beside %s cannot be read, so the file cannot be checked against their record; make them readable, or remove %s to read the file as it is", err, path, filepath.Base(side))
	}
	if !json.Valid(b) && looksOurs(b) {
		// Damaged or truncated (ipcf's are written whole, then renamed):
		// taken for absent, they let a damaged file through unchecked.
		// (A user's own that is not strict JSON, with NaN or a BOM, stays
		// the user's.)
		return nil, fmt.Errorf("%w: %s is not valid JSON (damaged or cut short?), so %s cannot be checked against its record; remove %s to read the file as it is", ErrWrittenChanged, side, path, filepath.Base(side))
	}
	var m struct {
		Software string `json:"software"`
		Command  string `json:"command"`
		CRC      string `json:"output_crc32c"`
		Bytes    *int64 `json:"output_bytes"`
		Units    struct {
			FrameInterval float64 `json:"frame_interval_s"`
			PixelSize     float64 `json:"pixel_size_um"`
			NotSquare     string  `json:"pixels_not_square"`
		} `json:"units"`
	}
	if json.Unmarshal(b, &m) != nil || m.Software != Marker || (m.Command != "bleach" && m.Command != "simulate" && m.Command != "convolve") {
		// ipcf's metadata whose own checksum no longer matches: a damaged
		// key ("softwarg") made them another program's and switched the
		// check off (a campaign: a damaged stack read with exit 0).
		// (A seal of the top level only: a user's metadata that embed
		// ipcf's, sealed, are the user's.)
		var top map[string]json.RawMessage
		_ = json.Unmarshal(b, &top) // not an object: no key
		if _, sealed := top[SealKey]; sealed && looksOurs(b) {
			if err := CheckSeal(b); err != nil {
				return nil, fmt.Errorf("%w: %s: %w: its file %s is not taken for what ipcf wrote; remove %s to read the file as it is", ErrWrittenChanged, side, err, path, filepath.Base(side))
			}
		}
		// Not ipcf's (another program's JSON, null, [], {}), or metadata
		// of what is never an input (a result, maps, a picture): left
		// beside a file put at its path since.
		return nil, nil
	}
	if err := CheckSeal(b); err != nil {
		return nil, fmt.Errorf("%w: %s: %w: its file %s is not taken for what ipcf wrote; remove %s to read the file as it is", ErrWrittenChanged, side, err, path, filepath.Base(side))
	}
	if m.CRC == "" || m.Bytes == nil {
		return nil, nil
	}
	// The file the sidecar describes now, not the one it replaced
	// (previous_output_crc32c, which Describes accepts for a rerun that
	// replaces it): a kill between a rerun's two renames (bleach with
	// another filter size) left the earlier stack under the new sidecar.
	w := &Written{path: path, side: side, command: m.Command, crc: m.CRC, bytes: *m.Bytes}
	if sealField.Match(b) {
		// Units from sealed metadata only (CheckSeal passed): bleach
		// records them since the seal, and metadata of 0.3.0, unsealed,
		// could be edited to give any.
		w.frameInterval, w.pixelSize, w.notSquare = m.Units.FrameInterval, m.Units.PixelSize, m.Units.NotSquare
	}
	if st.Size() != w.bytes {
		return nil, w.differs()
	}
	return w, nil
}

// differs is the error of a file that is not what its record says.
func (w *Written) differs() error {
	return fmt.Errorf("%s: its size or CRC-32C is not what %s records (output_bytes %d, output_crc32c %s): %w; remove it and compute it again with ipcf %s (a run killed while it replaced the file leaves the earlier file under the new metadata: run it again, without removing it), or remove %s to read the file as it is",
		w.path, filepath.Base(w.side), w.bytes, w.crc, ErrWrittenChanged, w.command, filepath.Base(w.side))
}

// unreadable is the error of a file that could not be read to check it:
// an I/O error, not a changed file (that was said, with the advice to
// remove a good input: FAULT8's F5).
func (w *Written) unreadable(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return w.differs()
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("%s: %w: it could not be read to check it against %s: make it readable (or run as its owner), and run again", w.path, err, filepath.Base(w.side))
	}
	return fmt.Errorf("%s: %w: it could not be read to check it against %s; nothing was removed: check the disk or the network file system, and run again", w.path, err, filepath.Base(w.side))
}

// Check reads the whole file and compares it with its record.
func (w *Written) Check() error {
	crc, n, err := fileCRC(w.path)
	if err != nil {
		return w.unreadable(err)
	}
	if n != w.bytes || fmt.Sprintf("%08x", crc) != w.crc {
		return w.differs()
	}
	return nil
}

// CheckExcept is Check where the caller has read the file's bytes [off,
// off+n) already, with CRC-32C crc: only the bytes before and after them
// are read, and the three checksums combined (CRCCombine). On the default
// dataset's in-memory job the frames it reads are half the file.
func (w *Written) CheckExcept(off, n int64, crc uint32) error {
	if off < 0 || n < 0 || off+n > w.bytes {
		return w.differs()
	}
	f, err := os.OpenFile(w.path, os.O_RDONLY|noBlock, 0)
	if err != nil {
		return w.unreadable(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return w.unreadable(err)
	}
	if !st.Mode().IsRegular() || st.Size() != w.bytes {
		return w.differs()
	}
	head, hn, err := crcOf(io.NewSectionReader(f, 0, off))
	if err != nil {
		return w.unreadable(err)
	}
	if hn != off {
		return w.differs()
	}
	tail, tn, err := crcOf(io.NewSectionReader(f, off+n, w.bytes-off-n+1))
	if err != nil {
		return w.unreadable(err)
	}
	if off+n+tn != w.bytes {
		return w.differs()
	}
	if fmt.Sprintf("%08x", CRCCombine(CRCCombine(head, crc, n), tail, tn)) != w.crc {
		return w.differs()
	}
	return nil
}
