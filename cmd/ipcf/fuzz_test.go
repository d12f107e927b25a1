package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
)

// FuzzPCFArgs parses arbitrary pcf command lines (arguments separated by
// newlines) and validates the spec against a real small input with
// job.Open, writing nothing: never a panic; every refusal is a usage
// error or an error naming a cause; Open never creates the output.
func FuzzPCFArgs(f *testing.F) {
	for _, s := range []string{
		"IN\n-o\nOUT.npy",
		"IN\n-o\nOUT.npy\n--radius\n2\n--npoints\n4\n--nbins\n8",
		"IN\n-o\nOUT.zarr\n--engine\nooc\n--tile\n3,4\n--memory\n64MiB",
		"IN\n-o\nOUT.npy\n--bleach\n9223372036854775807\n--bleach-mean\nfloor",
		"IN\n-o\nOUT.npy\n--crop\n1:5,2:6\n--frames\n0:32",
		"IN\n-o\nOUT.npy\n--format\nraw\n--shape\n64,12,12\n--dtype\n>u2\n--offset\n128",
		"IN\n-o\nOUT.npy\n--frame-interval\nNaN\n--pixel-size\n-0",
		"--help",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	in := filepath.Join(dir, "in.npy")
	writeNpy(&testing.T{}, in, array.Uint16, []int{64, 12, 12}, func(i int) float64 { return float64(i % 17) })
	outDir := f.TempDir() // Open creates nothing there (checked below)
	f.Fuzz(func(t *testing.T, cmdline string) {
		out := filepath.Join(outDir, "OUT")
		r := strings.NewReplacer("IN", in, "OUT", out)
		args := strings.Split(r.Replace(cmdline), "\n")
		spec, _, err := parsePCF(args)
		if err != nil {
			var ue usageError
			var he helpError
			if !errors.As(err, &ue) && !errors.As(err, &he) && err.Error() == "" {
				t.Fatalf("%q: an error without a message", args)
			}
			return
		}
		// Only the fixture is read; other inputs are left alone.
		if spec.Input.Path != in {
			return
		}
		spec.Output = filepath.Join(filepath.Dir(out), filepath.Base(spec.Output))
		spec.Scratch = ""
		spec.Mask = ""
		j, err := job.Open(spec)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("%q: an error without a message", args)
			}
			return
		}
		j.Close()
		if _, err := os.Stat(spec.Output); err == nil {
			t.Fatalf("%q: Open created the output", args)
		}
	})
}
