package ooc

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/npy"
)

// Output receives the result tile by tile. Tiles are float32 (ty, tx,
// npoints, nbins) in C order, at output row y0 and column x0.
type Output interface {
	// Open creates the partial output, or reopens it to resume.
	Open(shape [4]int, tile [2]int, resume bool) error
	WriteTile(y0, x0 int, ty, tx int, data []float32) error
	// Commit makes the output durable and gives it its final name.
	Commit(meta map[string]any) error
	// Path is the final name.
	Path() string
}

// partialName is where an output is written until it is complete.
func partialName(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".partial")
}

// NpyOutput writes a C-order float32 .npy file in place, tile by tile,
// with the job's parameters in a JSON sidecar (PATH.json).
type NpyOutput struct {
	path   string
	f      *os.File
	shape  [4]int
	header int
}

// NewNpyOutput returns an output that will be written to path.
func NewNpyOutput(path string) *NpyOutput { return &NpyOutput{path: path} }

func (o *NpyOutput) Path() string { return o.path }

func (o *NpyOutput) Open(shape [4]int, tile [2]int, resume bool) error {
	o.shape = shape
	hdr := npy.HeaderBytes(array.Float32, array.Little, shape[:])
	o.header = len(hdr)
	size := int64(len(hdr)) + int64(shape[0])*int64(shape[1])*int64(shape[2])*int64(shape[3])*4
	p := partialName(o.path)
	flags := os.O_RDWR | os.O_CREATE
	if !resume {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(p, flags, 0o644)
	if err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	if _, err := f.WriteAt(hdr, 0); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", p, err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("output %s: %w", p, err)
	}
	o.f = f
	return nil
}

func (o *NpyOutput) WriteTile(y0, x0, ty, tx int, data []float32) error {
	np, nb := o.shape[2], o.shape[3]
	row := tx * np * nb
	buf := make([]byte, row*4)
	for y := 0; y < ty; y++ {
		for i, v := range data[y*row : (y+1)*row] {
			binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
		}
		off := int64(o.header) + (int64(y0+y)*int64(o.shape[1])+int64(x0))*int64(np*nb)*4
		if _, err := o.f.WriteAt(buf, off); err != nil {
			return fmt.Errorf("output %s: %w", partialName(o.path), err)
		}
	}
	return nil
}

// Sync flushes the written tiles to disk.
func (o *NpyOutput) Sync() error { return o.f.Sync() }

func (o *NpyOutput) Commit(meta map[string]any) error {
	p := partialName(o.path)
	err := o.f.Sync()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = writeJSON(o.path+".json", meta)
	}
	if err == nil {
		err = os.Rename(p, o.path)
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	return nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return npy.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(b, '\n'))
		return err
	})
}

// ZarrOutput writes a Zarr v2 folder: one uncompressed chunk per tile
// (chunk shape = tile shape x npoints x nbins, little-endian float32, C
// order, fill value NaN), the parameters in .zattrs.
type ZarrOutput struct {
	path  string
	shape [4]int
	tile  [2]int
}

// NewZarrOutput returns an output that will be written to the folder path.
func NewZarrOutput(path string) *ZarrOutput { return &ZarrOutput{path: strings.TrimRight(path, "/")} }

func (o *ZarrOutput) Path() string { return o.path }

func (o *ZarrOutput) Open(shape [4]int, tile [2]int, resume bool) error {
	o.shape, o.tile = shape, tile
	p := partialName(o.path)
	if !resume {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("output %s: %w", o.path, err)
		}
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
	if err := writeJSON(filepath.Join(p, ".zarray"), meta); err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	return nil
}

func (o *ZarrOutput) WriteTile(y0, x0, ty, tx int, data []float32) error {
	np, nb := o.shape[2], o.shape[3]
	cy, cx := o.tile[0], o.tile[1]
	if y0%cy != 0 || x0%cx != 0 {
		return fmt.Errorf("output %s: tile at (%d,%d) not on the chunk grid", o.path, y0, x0)
	}
	// Zarr stores whole chunks: pad edge tiles with NaN.
	buf := make([]byte, cy*cx*np*nb*4)
	nan := math.Float32bits(float32(math.NaN()))
	for i := 0; i < len(buf); i += 4 {
		binary.LittleEndian.PutUint32(buf[i:], nan)
	}
	row := tx * np * nb
	for y := 0; y < ty; y++ {
		for i, v := range data[y*row : (y+1)*row] {
			binary.LittleEndian.PutUint32(buf[4*(y*cx*np*nb+i):], math.Float32bits(v))
		}
	}
	name := filepath.Join(partialName(o.path), fmt.Sprintf("%d.%d.0.0", y0/cy, x0/cx))
	tmp := name + ".tmp"
	f, err := os.Create(tmp)
	if err == nil {
		_, err = f.Write(buf)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	return nil
}

// Sync flushes the chunk files and the folder.
func (o *ZarrOutput) Sync() error {
	p := partialName(o.path)
	ents, err := os.ReadDir(p)
	if err != nil {
		return err
	}
	for _, e := range ents {
		f, err := os.Open(filepath.Join(p, e.Name()))
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return syncDir(p)
}

func (o *ZarrOutput) Commit(meta map[string]any) error {
	p := partialName(o.path)
	err := writeJSON(filepath.Join(p, ".zattrs"), meta)
	if err == nil {
		err = o.Sync()
	}
	if err == nil {
		os.RemoveAll(o.path) // a previous result of the same name
		err = os.Rename(p, o.path)
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", o.path, err)
	}
	return syncDir(filepath.Dir(o.path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
