// Command gennoise writes a synthetic image time series as a raw
// little-endian uint16 file, fast: structured noise (a fixed background
// pattern, a few Gaussian blobs drifting along a diagonal, and uniform
// noise from a xorshift generator) for benchmarks of full-frame sizes
// (make bench-big). Not a physical simulation: see ipcf simulate for that.
//
//	gennoise -o FILE -frames 16384 -height 512 -width 1024
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
)

func main() {
	out := flag.String("o", "", "output file")
	frames := flag.Int("frames", 16384, "frames")
	h := flag.Int("height", 512, "rows")
	w := flag.Int("width", 1024, "columns")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "gennoise: -o FILE is required")
		os.Exit(2)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gennoise:", err)
		os.Exit(1)
	}
	bw := bufio.NewWriterSize(f, 8<<20)
	base := make([]float64, *h**w)
	for y := 0; y < *h; y++ {
		for x := 0; x < *w; x++ {
			base[y**w+x] = 100 + 20*math.Sin(float64(x)/37)*math.Cos(float64(y)/23)
		}
	}
	frame := make([]byte, 2**h**w)
	s := uint64(88172645463325252)
	for t := 0; t < *frames; t++ {
		for i, b := range base {
			s ^= s << 13
			s ^= s >> 7
			s ^= s << 17
			v := b + float64(s%32)
			binary.LittleEndian.PutUint16(frame[2*i:], uint16(v))
		}
		// Blobs drifting along the diagonal.
		for k := 0; k < 64; k++ {
			cx := (float64(k*97) + float64(t)*0.3) - math.Floor((float64(k*97)+float64(t)*0.3)/float64(*w))*float64(*w)
			cy := math.Mod(float64(k*53)+float64(t)*0.3, float64(*h))
			for dy := -3; dy <= 3; dy++ {
				for dx := -3; dx <= 3; dx++ {
					y, x := int(cy)+dy, int(cx)+dx
					if y < 0 || y >= *h || x < 0 || x >= *w {
						continue
					}
					i := 2 * (y**w + x)
					v := binary.LittleEndian.Uint16(frame[i:])
					binary.LittleEndian.PutUint16(frame[i:], v+uint16(60*math.Exp(-float64(dx*dx+dy*dy)/4)))
				}
			}
		}
		if _, err := bw.Write(frame); err != nil {
			fmt.Fprintln(os.Stderr, "gennoise:", err)
			os.Exit(1)
		}
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gennoise:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "gennoise:", err)
		os.Exit(1)
	}
}
