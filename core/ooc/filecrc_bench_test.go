package ooc

import (
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkFileCRC: the CRC-32C of a 256 MiB file (page cache warm) as
// fileCRC reads it (256 KiB at a time) and as io.CopyBuffer did (*os.File's
// WriteTo: 32 KiB at a time, whatever the buffer).
func BenchmarkFileCRC(b *testing.B) {
	p := filepath.Join(b.TempDir(), "f")
	data := make([]byte, 256<<20)
	for i := range data {
		data[i] = byte(i * 13)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	want := crc32.Checksum(data, castagnoli)
	b.Run("copybuffer", func(b *testing.B) {
		for b.Loop() {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			h := crc32.New(castagnoli)
			if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil || h.Sum32() != want {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("fileCRC", func(b *testing.B) {
		for b.Loop() {
			if crc, n, err := fileCRC(p); err != nil || crc != want || n != int64(len(data)) {
				b.Fatal(crc, n, err)
			}
		}
	})
}
