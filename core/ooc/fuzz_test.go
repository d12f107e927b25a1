package ooc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
)

// FuzzJournal loads journals whose lines carry valid checksums (so that
// the fuzzer reaches the parser, not only the CRC check) or are damaged:
// never a panic, and the state is one a run can use: chunk CRC lists and
// input CRCs in step, tile indexes >= 0.
func FuzzJournal(f *testing.F) {
	f.Add("k1", "chunk 0 1a2b3c4d 00000001 00000002\ntile 0 deadbeef\ncommit 0badf00d", false)
	f.Add("k1", "chunk 0 0 1\nchunk 1 2 3 4\nchunk 0 5 6\ntile 3 9", false)
	f.Add("k1", "chunk -1 0 1\ntile -5 9\ntile 1 2 3", false)
	f.Add("k2", "chunk 99999999999999999999 0\ncommit zz", true)
	f.Add("k1", "chunk 0 0 1\ntile 0 deadbeef 01020304\ntile 1 2 3 4 5\ncommit 0badf00d 01020304", false) // with error bars
	f.Fuzz(func(t *testing.T, key, body string, damage bool) {
		if strings.ContainsFunc(key, unicode.IsSpace) || key == "" {
			return
		}
		head := journalMagic + " " + key
		var b strings.Builder
		fmt.Fprintf(&b, "%s %08x\n", head, CRC([]byte(head)))
		for _, l := range strings.Split(body, "\n") {
			if damage {
				b.WriteString(l + "\n")
				continue
			}
			fmt.Fprintf(&b, "%s %08x\n", l, CRC([]byte(l)))
		}
		st, ok := parseJournal([]byte(b.String()), key)
		if !ok {
			t.Fatal("the job's own first line was refused")
		}
		if len(st.chunkCRC) != len(st.inputCRCs) {
			t.Fatalf("%d chunk CRC lists, %d input CRCs", len(st.chunkCRC), len(st.inputCRCs))
		}
		for ti := range st.tiles {
			if ti < 0 {
				t.Fatalf("tile %d", ti)
			}
		}
		// Another job's key: nothing trusted.
		if st, ok := parseJournal([]byte(b.String()), key+"x"); ok || st.chunks() != 0 || len(st.tiles) != 0 || st.committed {
			t.Fatalf("other key: %+v, %v", st, ok)
		}
	})
}

// FuzzSidecar reads arbitrary metadata beside a result: Verify, NpyIsOurs
// and the Zarr checks never panic, and Verify accepts only metadata whose
// key and checksum match the file.
func FuzzSidecar(f *testing.F) {
	f.Add([]byte(`{"software":"ipcf","job_key":"k","output_crc32c":"00000000","output_bytes":0}`), []byte{})
	f.Add([]byte(`{"software":"ipcf","job_key":"k","output_crc32c":"e3069283","output_bytes":9}`), []byte("123456789"))
	f.Add([]byte(`{"software":"ipcf","chunks_crc32c":[1,2],"job_key":"k"}`), []byte("x"))
	f.Add([]byte(`{"software":1e999}`), []byte("x"))
	f.Add([]byte(`{"software":"ipcf","job_key":"k","output_crc32c":"e3069283","output_bytes":9,"errors":{"file":"../r.npy","crc32c":"e3069283","bytes":9}}`), []byte("123456789"))
	f.Add([]byte(`{"softwAre":"ipcf","joB_keY":"k","output_CrC32C":"00000000"}`), []byte{}) // keys are case-sensitive
	f.Fuzz(func(t *testing.T, meta, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "r.npy")
		os.WriteFile(path, data, 0o644)
		os.WriteFile(SidecarName(path), meta, 0o644)
		o := NewNpyOutput(path)
		ok := o.Verify("k")
		NpyIsOurs(path)
		if ok {
			var m struct {
				Software, Key, CRC string
			}
			m.Software, _ = field(meta, "software")
			m.Key, _ = field(meta, "job_key")
			m.CRC, _ = field(meta, "output_crc32c")
			if m.Software != Marker || m.Key != "k" || m.CRC != fmt.Sprintf("%08x", CRC(data)) {
				t.Fatalf("Verify accepted %q for %d bytes with CRC %08x", meta, len(data), CRC(data))
			}
		}
		z := filepath.Join(dir, "r.zarr")
		os.MkdirAll(z, 0o755)
		os.WriteFile(filepath.Join(z, ".zattrs"), meta, 0o644)
		os.WriteFile(filepath.Join(z, ".zarray"), data, 0o644)
		IsOurs(z)
		NewZarrOutput(z).Verify("k")
	})
}

// field is the string value of a top-level JSON key.
func field(b []byte, key string) (string, bool) {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return "", false
	}
	v, ok := m[key].(string)
	return v, ok
}
