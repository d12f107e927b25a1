// Command filejobdata writes the shared fixture of the file-job tests of
// every host: a simulated uint16 series as a folder of single-page
// big-endian TIFF files and as a raw big-endian file, and the CLI's
// out-of-core results for both, on the CPU (--device cpu: the bytes every
// host must reproduce with its device set to the CPU, GPU or not); and
// wide.raw, 64 frames of 6 x 1024 big-endian uint16 (rows of 2 KiB: out of
// core it is read in place, see the hosts' copy_input tests).
//
//	filejobdata -ipcf build/bin/ipcf -dir build/filejob
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ipcf/ipcf/core/npy"
)

// Fixture parameters, also read by the host tests from params.txt.
const (
	frames, size = 1024, 40
	radius       = 3
	npoints      = 12
	nbins        = 16
	memory       = "60MiB" // 20 MiB for the data after the process's 40: several chunks (with tile 8,8 forced as well)
)

func main() {
	bin := flag.String("ipcf", "build/bin/ipcf", "the ipcf CLI")
	dir := flag.String("dir", "build/filejob", "output folder")
	flag.Parse()
	if err := run(*bin, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "filejobdata:", err)
		os.Exit(1)
	}
}

func run(bin, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	series := filepath.Join(dir, "series")
	if err := os.MkdirAll(series, 0o755); err != nil {
		return err
	}
	sim := filepath.Join(dir, "sim.npy")
	if out, err := exec.Command(bin, "simulate", "-o", sim, "--frames", fmt.Sprint(frames), "--size", fmt.Sprint(size),
		"--seed", "7", "--quiet").CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	// The fixture's stack stands for a camera's: no ipcf sidecar (the hosts'
	// tests read it as a file without metadata).
	if err := os.Remove(sim + ".json"); err != nil {
		return err
	}
	f, err := npy.Open(sim)
	if err != nil {
		return err
	}
	defer f.Close()
	v := f.View
	raw := make([]byte, 0, frames*size*size*2)
	for t := 0; t < frames; t++ {
		page := make([]byte, size*size*2)
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				s := uint16(v.Load(v.Offset + t*v.Strides[0] + y*v.Strides[1] + x*v.Strides[2]))
				binary.BigEndian.PutUint16(page[2*(y*size+x):], s)
			}
		}
		raw = append(raw, page...)
		if err := os.WriteFile(filepath.Join(series, fmt.Sprintf("img_%05d.tif", t)), tiffBE(page, size, size), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "stack.raw"), raw, 0o644); err != nil {
		return err
	}
	// wide.raw: the series' first 64 frames, rows 0..5, repeated across
	// 1024 columns (each repetition offset by its index).
	wide := make([]byte, 64*6*1024*2)
	for t := 0; t < 64; t++ {
		for y := 0; y < 6; y++ {
			for x := 0; x < 1024; x++ {
				s := uint16(v.Load(v.Offset+t*v.Strides[0]+y*v.Strides[1]+(x%size)*v.Strides[2])) + uint16(x/size)
				binary.BigEndian.PutUint16(wide[2*((t*6+y)*1024+x):], s)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "wide.raw"), wide, 0o644); err != nil {
		return err
	}
	common := []string{"--radius", fmt.Sprint(radius), "--npoints", fmt.Sprint(npoints), "--nbins", fmt.Sprint(nbins),
		"--memory", memory, "--tile", "8,8", "--engine", "ooc", "--device", "cpu", "--quiet"}
	runs := [][]string{
		append([]string{"pcf", series, "-o", filepath.Join(dir, "cli_series.npy")}, common...),
		append([]string{"pcf", filepath.Join(dir, "stack.raw"), "--shape", fmt.Sprintf("%d,%d,%d", frames, size, size),
			"--dtype", "uint16", "--byteorder", "big", "-o", filepath.Join(dir, "cli_raw.npy")}, common...),
	}
	for _, a := range runs {
		if out, err := exec.Command(bin, a...).CombinedOutput(); err != nil {
			return fmt.Errorf("ipcf %v: %v: %s", a, err, out)
		}
	}
	params := fmt.Sprintf("frames=%d\nsize=%d\nradius=%d\nnpoints=%d\nnbins=%d\nmemory=%s\ntile=8,8\n", frames, size, radius, npoints, nbins, memory)
	return os.WriteFile(filepath.Join(dir, "params.txt"), []byte(params), 0o644)
}

// tiffBE is a minimal big-endian baseline TIFF of one uint16 strip.
func tiffBE(data []byte, h, w int) []byte {
	const nent = 9
	ifd := 8
	dataOff := ifd + 2 + nent*12 + 4
	b := make([]byte, dataOff+len(data))
	be := binary.BigEndian
	copy(b, "MM")
	be.PutUint16(b[2:], 42)
	be.PutUint32(b[4:], uint32(ifd))
	be.PutUint16(b[ifd:], nent)
	ent := func(i int, tag, typ uint16, val uint32) {
		o := ifd + 2 + 12*i
		be.PutUint16(b[o:], tag)
		be.PutUint16(b[o+2:], typ)
		be.PutUint32(b[o+4:], 1)
		if typ == 3 {
			be.PutUint16(b[o+8:], uint16(val))
		} else {
			be.PutUint32(b[o+8:], val)
		}
	}
	ent(0, 256, 4, uint32(w))         // ImageWidth
	ent(1, 257, 4, uint32(h))         // ImageLength
	ent(2, 258, 3, 16)                // BitsPerSample
	ent(3, 259, 3, 1)                 // Compression: none
	ent(4, 262, 3, 1)                 // Photometric: min is black
	ent(5, 273, 4, uint32(dataOff))   // StripOffsets
	ent(6, 277, 3, 1)                 // SamplesPerPixel
	ent(7, 278, 4, uint32(h))         // RowsPerStrip
	ent(8, 279, 4, uint32(len(data))) // StripByteCounts
	copy(b[dataOff:], data)
	return b
}
