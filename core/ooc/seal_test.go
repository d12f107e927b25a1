package ooc

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sealedSample(t *testing.T) []byte {
	t.Helper()
	m := map[string]any{
		"software": Marker, "version": SealVersion, "radius": 6, "delay_frames": []float64{0, 1.5, 6},
		"units": map[string]any{"frame_interval_s": 0.001, "pixel_size_um": nil}, "input": `a "quoted" name`,
	}
	b, err := Seal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSeal: sealed metadata pass and parse to what was sealed; every
// change of one byte is refused (or leaves no JSON to read); metadata of
// a version before the seal pass without one, of a later version not.
func TestSeal(t *testing.T) {
	b := sealedSample(t)
	if err := CheckSeal(b); err != nil {
		t.Fatalf("sealed text refused: %v\n%s", err, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m["radius"] != 6.0 || len(m[SealKey].(string)) != 8 {
		t.Fatalf("sealed text: %v %v", err, m)
	}
	if !bytes.HasSuffix(b, []byte("\n")) {
		t.Error("sealed text does not end in a newline")
	}
	for i := range b {
		for _, c := range []byte{b[i] ^ 1, '0', 'f', ' '} {
			if c == b[i] {
				continue
			}
			d := bytes.Clone(b)
			d[i] = c
			if CheckSeal(d) == nil && json.Valid(d) {
				t.Fatalf("byte %d (%q) changed to %q: passed\n%s", i, b[i], c, d)
			}
		}
	}
	// Cut short anywhere: CheckMetaText refuses it (a cut drops the seal
	// and the version, written last, and passed for 0.3.0 metadata).
	for n := 0; n < len(b)-1; n++ {
		if CheckMetaText(b[:n]) == nil {
			t.Fatalf("cut to %d of %d bytes: passed\n%s", n, len(b), b[:n])
		}
	}
	if err := CheckMetaText(b); err != nil {
		t.Fatalf("whole: %v", err)
	}
	// Reformatted (same values, other bytes): refused.
	var v map[string]any
	json.Unmarshal(b, &v)
	compact, _ := json.Marshal(v)
	if err := CheckSeal(compact); !errors.Is(err, ErrSealBroken) {
		t.Errorf("reformatted: %v", err)
	}
	for _, c := range []struct {
		text string
		ok   bool
	}{
		{`{"software": "ipcf", "version": "0.3.0", "radius": 6}`, true}, // before the seal
		// A later version's metadata with the version set back and the seal
		// removed (a fault campaign halved D through fit this way).
		{`{"software": "ipcf", "version": "0.3.0", "radius": 6, "device_used": "cpu"}`, false},
		{`{"software": "ipcf", "version": "0.2.9", "bins_averaged": true}`, false},
		{`{"software": "ipcf", "radius": 6}`, true}, // no version: not ipcf's
		{`{"software": "ipcf", "version": "0.3.1", "radius": 6}`, false},
		{`{"software": "ipcf", "version": "0.4.0", "radius": 6}`, false},
		{`{"software": "ipcf", "version": "1.0.0"}`, false},
		{`{"software": "ipcf", "version": "0.3.0x"}`, false}, // changed
		{`{"software": "ipcf", "version": "0.3.1", "self_crc32c": "0000000"}`, false},
		{`{"software": "ipcf", "version": "0.3.1", "self_crc32c": "0000000G"}`, false},
		{`{"self_crc32c": "00000000", "self_crc32c": "00000000"}`, false},
		{`{"version": "0.3.1",  self_crc32c": "00000000"}`, false}, // its quote damaged
		{`{"version": "0.3.1", "self_crc32c" "00000000"}`, false},  // its colon
		{``, true},                // no JSON: the caller's parse says so
		{`not json at all`, true}, // (a user's file; not ipcf's either way)
	} {
		if err := CheckSeal([]byte(c.text)); (err == nil) != c.ok || err != nil && !errors.Is(err, ErrSealBroken) {
			t.Errorf("%s: %v, want ok %v", c.text, err, c.ok)
		}
		// Hosts' check: also refuses text that is not one JSON object.
		strict := c.ok && c.text != "" && c.text != "not json at all"
		if err := CheckMetaText([]byte(c.text)); (err == nil) != strict || err != nil && !errors.Is(err, ErrSealBroken) {
			t.Errorf("CheckMetaText(%s): %v, want ok %v", c.text, err, strict)
		}
	}
	// Text that is no JSON object is not said to have changed since ipcf
	// wrote it: ipcf may never have (a YAML file, a JSON array; OCT18's m3).
	for _, text := range []string{"", "a: 1\n", "[1, 2]", `{"software": "ipcf", "radius"`} {
		err := CheckMetaText([]byte(text))
		if !errors.Is(err, ErrSealBroken) || strings.Contains(err.Error(), "changed since ipcf wrote") ||
			!strings.Contains(err.Error(), "not one complete JSON object (damaged JSON, cut short, or another program's file)") {
			t.Errorf("CheckMetaText(%q): %v", text, err)
		}
		// and the hosts' refusal does not advise computing it again as
		// edited since (REVIEW22's m1)
		if err := CheckMetaTextUse([]byte(text)); err == nil || strings.Contains(err.Error(), "edited or damaged since") || !strings.Contains(err.Error(), "a file of another program named as ipcf's metadata") {
			t.Errorf("CheckMetaTextUse(%q): %v", text, err)
		}
	}
	sealed := sealedSample(t)
	sealed[bytes.Index(sealed, []byte(`"radius": 6`))+10] = '7'
	if err := CheckMetaTextUse(sealed); err == nil || !strings.Contains(err.Error(), "edited or damaged since") {
		t.Errorf("CheckMetaTextUse of edited metadata: %v", err)
	}
}

// TestReadMetaSealed: the readers of ipcf's metadata (Describes,
// IsSidecar, MetaOf) take sealed metadata and refuse them edited.
func TestReadMetaSealed(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.npy")
	data := []byte("some result bytes")
	os.WriteFile(out, data, 0o644)
	b, err := Seal(map[string]any{"software": Marker, "version": SealVersion, "command": "bleach",
		"output_bytes": len(data), "output_crc32c": hex8(CRC(data))})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(SidecarName(out), b, 0o644)
	if c, ok := Describes(out); !ok || c != "bleach" || !IsSidecar(SidecarName(out)) {
		t.Fatalf("sealed sidecar: Describes %q %v, IsSidecar %v", c, ok, IsSidecar(SidecarName(out)))
	}
	if _, err := MetaOf(out); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(SidecarName(out), bytes.Replace(b, []byte(`"bleach"`), []byte(`"bleacH"`), 1), 0o644)
	if _, ok := Describes(out); ok || IsSidecar(SidecarName(out)) {
		t.Error("an edited sidecar describes its file")
	}
	if _, err := MetaOf(out); !errors.Is(err, ErrSealBroken) {
		t.Errorf("MetaOf of an edited sidecar: %v", err)
	}
}

func hex8(c uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[c&15]
		c >>= 4
	}
	return string(b)
}

// TestCRCCombineParts: the CRC-32C of a whole from its parts' checksums, for
// parts of every length from 0 to 300 bytes and long ones, against the
// checksum of the whole.
func TestCRCCombineParts(t *testing.T) {
	b := make([]byte, 5000)
	for i := range b {
		b[i] = byte(i*131 + i>>7)
	}
	for _, cut := range [][2]int{{0, 0}, {0, 5000}, {5000, 5000}, {1, 2}, {7, 4999}, {2500, 2600}} {
		a, m, z := b[:cut[0]], b[cut[0]:cut[1]], b[cut[1]:]
		got := CRCCombine(CRCCombine(CRC(a), CRC(m), int64(len(m))), CRC(z), int64(len(z)))
		if got != CRC(b) {
			t.Errorf("cut %v: %08x, want %08x", cut, got, CRC(b))
		}
	}
	for n := 0; n <= 300; n++ {
		if got := CRCCombine(CRC(b[:100]), CRC(b[100:100+n]), int64(n)); got != CRC(b[:100+n]) {
			t.Fatalf("a part of %d bytes: %08x, want %08x", n, got, CRC(b[:100+n]))
		}
	}
}

// TestSealASCII: sealed metadata are ASCII text, characters beyond it
// escaped, the same JSON value (zarr-python 2 decodes metadata as ASCII:
// a result whose input path held a "µ" had attributes no reader could
// open, ZARR17's m1), and the seal holds.
func TestSealASCII(t *testing.T) {
	m := map[string]any{"input": "zelle_µ/Ωmega 🙂.npy", "plain": "a<b", "n": 3}
	b, err := Seal(m)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range b {
		if c >= 0x80 {
			t.Fatalf("byte %d of the sealed text is %#x, not ASCII: %s", i, c, b)
		}
	}
	if !bytes.Contains(b, []byte(`zelle_\u00b5/\u03a9mega \ud83d\ude42.npy`)) {
		t.Errorf("escapes: %s", b)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil || back["input"] != m["input"] || back["plain"] != "a<b" {
		t.Errorf("decoded %v (%v), want %v", back, err, m)
	}
	if err := CheckSeal(b); err != nil {
		t.Error(err)
	}
	if got := ASCII([]byte(`{"a": "plain"}`)); string(got) != `{"a": "plain"}` {
		t.Errorf("ASCII text changed: %s", got)
	}
}
