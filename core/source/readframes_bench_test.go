package source

import (
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/ipcf/ipcf/core/array"
)

// BenchmarkReadStack: the default dataset's 16,384 frames of 64 x 64
// uint16 (128 MiB, page cache warm) copied into memory with their
// CRC-32C, through the mapping frame by frame (released every 64 frames,
// as before FrameReader) and by FrameReader.ReadRuns. The destination is
// the same populated buffer in both.
func BenchmarkReadStack(b *testing.B) {
	const T, H, W = 16384, 64, 64
	p := filepath.Join(b.TempDir(), "in.raw")
	data := make([]byte, T*H*W*2)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	dst := data // reused: populated
	tab := crc32.MakeTable(crc32.Castagnoli)
	open := func() Source {
		src, err := OpenRaw(p, Raw{T: T, H: H, W: W, DType: array.Uint16})
		if err != nil {
			b.Fatal(err)
		}
		return src
	}
	b.Run("mapping", func(b *testing.B) {
		for b.Loop() {
			src := open()
			var crc uint32
			err := Guard(src.Name(), func() error {
				for t := 0; t < T; t++ {
					fr, err := src.Frame(t)
					if err != nil {
						return err
					}
					f := fr.Data[fr.Offset : fr.Offset+H*W*2]
					crc = crc32.Update(crc, tab, f)
					copy(dst[t*H*W*2:], f)
					if (t+1)%64 == 0 {
						src.(Releaser).Release(t-63, t+1)
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			src.Close()
		}
	})
	b.Run("runs", func(b *testing.B) {
		for b.Loop() {
			src := open()
			r, ok := NewFrameReader(src)
			if !ok {
				b.Fatal("no frame reader")
			}
			var crc uint32
			if err := r.ReadRuns(T, dst, func(run []byte, _ int) error {
				crc = crc32.Update(crc, tab, run)
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			r.Close()
			src.Close()
		}
	})
}
