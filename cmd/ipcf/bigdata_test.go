package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/npy"
)

// buildBinary builds the CLI once per test binary run.
var builtBinary string

// TestMain removes the CLI binary() built (each run left a 15 MB folder
// in /tmp).
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBinary != "" {
		os.RemoveAll(filepath.Dir(builtBinary))
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	if builtBinary != "" {
		return builtBinary
	}
	dir, err := os.MkdirTemp("", "ipcf-bin-")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "ipcf")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	builtBinary = bin
	return bin
}

func npyBytes(t *testing.T, path string) []byte {
	t.Helper()
	f, err := npy.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return append([]byte(nil), f.Data[f.Header.Offset:]...)
}

// TestInputFormats runs the pCF on every input format of core/source's
// test files and compares with the in-memory result of the .npy.
func TestInputFormats(t *testing.T) {
	td := filepath.Join("..", "..", "core", "source", "testdata")
	dir := t.TempDir()
	ref := filepath.Join(dir, "ref.npy")
	common := []string{"--radius", "2", "--npoints", "8", "--nbins", "6", "--quiet"}
	if code, msg := ipcf(t, append([]string{"pcf", filepath.Join(td, "stack.npy"), "-o", ref, "--engine", "memory"}, common...)...); code != 0 {
		t.Fatal(msg)
	}
	want := npyBytes(t, ref)
	cases := map[string][]string{
		"multi-page TIFF":           {filepath.Join(td, "multipage_le.tif")},
		"big-endian BigTIFF":        {filepath.Join(td, "bigtiff_be.tif")},
		"ImageJ hyperstack":         {filepath.Join(td, "imagej.tif")},
		"Micro-Manager folder":      {filepath.Join(td, "mm")},
		"glob of single pages":      {filepath.Join(td, "mm", "Pos0", "img_*_Default_000.tif")},
		"raw little-endian":         {filepath.Join(td, "raw_le.bin"), "--shape", "20,6,7", "--dtype", "uint16"},
		"raw big-endian, offset":    {filepath.Join(td, "raw_be_offset.bin"), "--shape", "20,6,7", "--byteorder", "big", "--offset", "8"},
		"npy out of core":           {filepath.Join(td, "stack.npy"), "--engine", "ooc", "--tile", "3,2"},
		"TIFF folder out of core":   {filepath.Join(td, "mm"), "--engine", "ooc", "--tile", "2,3"},
		"big-endian BigTIFF in ooc": {filepath.Join(td, "bigtiff_be.tif"), "--engine", "ooc"},
	}
	for name, args := range cases {
		out := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".npy")
		a := append([]string{"pcf", args[0], "-o", out}, args[1:]...)
		if code, msg := ipcf(t, append(a, common...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, msg)
		}
		if got := npyBytes(t, out); !bytes.Equal(got, want) {
			t.Errorf("%s: result differs from the .npy input's", name)
		}
	}
	// Crop and frame selection equal the same selection made in numpy order.
	out := filepath.Join(dir, "crop.npy")
	if code, msg := ipcf(t, "pcf", filepath.Join(td, "mm"), "-o", out, "--crop", "0:6,1:7", "--frames", "2:18", "--radius", "2", "--npoints", "4", "--nbins", "4", "--quiet"); code != 0 {
		t.Fatal(msg)
	}
	if f, err := npy.Open(out); err != nil || f.Shape[0] != 2 || f.Shape[1] != 2 {
		t.Fatalf("crop: %v %v", f.Shape, err)
	}
}

// TestZarrReadByPython writes Zarr output and reads it with Debian's
// python3-zarr.
func TestZarrReadByPython(t *testing.T) {
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import zarr, numpy").Run(); err != nil {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatalf("python3-zarr is not installed (%v): make deps installs it", err)
		}
		t.Skip("python3-zarr not installed (make test installs it)")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	ipcf(t, "simulate", "-o", in, "--frames", "512", "--size", "24", "--quiet")
	ref, z := filepath.Join(dir, "ref.npy"), filepath.Join(dir, "out.zarr")
	common := []string{"--radius", "3", "--npoints", "12", "--nbins", "10", "--quiet"}
	ipcf(t, append([]string{"pcf", in, "-o", ref}, common...)...)
	if code, msg := ipcf(t, append([]string{"pcf", in, "-o", z, "--tile", "7,5"}, common...)...); code != 0 {
		t.Fatal(msg)
	}
	script := `import sys, zarr, numpy
z = zarr.open(sys.argv[1], mode='r')
ref = numpy.load(sys.argv[2])
assert z.shape == ref.shape, (z.shape, ref.shape)
assert z.dtype == numpy.float32
assert numpy.array_equal(z[:], ref, equal_nan=True)
assert z.attrs['radius'] == 3 and z.attrs['npoints'] == 12
print('zarr ok', z.shape, z.chunks)`
	out, err := exec.Command(py, "-c", script, z, ref).CombinedOutput()
	if err != nil {
		t.Fatalf("python3-zarr: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}

// TestKillAndResume kills the CLI with SIGKILL while it computes tiles and
// checks that a rerun of the same command resumes and writes the bytes of
// an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs it several times: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	if out, err := exec.Command(bin, "simulate", "-o", in, "--frames", "4096", "--size", "48", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	args := func(out string) []string {
		return []string{"pcf", in, "-o", out, "--engine", "ooc", "--memory", "200MiB", "--tile", "8,8", "--threads", "1", "--quiet"}
	}
	ref := filepath.Join(dir, "ref.npy")
	if out, err := exec.Command(bin, args(ref)...).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	for _, when := range []string{"transpose", "tiles"} {
		out := filepath.Join(dir, "out-"+when+".npy")
		cmd := exec.Command(bin, args(out)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the journal to show progress, then kill.
		deadline := time.Now().Add(60 * time.Second)
		killed := false
		for time.Now().Before(deadline) {
			j, _ := filepath.Glob(filepath.Join(dir, ".ipcf-scratch-*", "journal"))
			if len(j) > 0 {
				b, _ := os.ReadFile(j[0])
				if (when == "transpose" && bytes.Contains(b, []byte("chunk"))) || (when == "tiles" && bytes.Count(b, []byte("tile")) >= 2) {
					cmd.Process.Signal(syscall.SIGKILL)
					killed = true
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		cmd.Wait()
		if !killed {
			t.Fatalf("%s: the run ended before it could be killed", when)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Fatalf("%s: a killed run left its output under the final name", when)
		}
		if o, err := exec.Command(bin, args(out)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: rerun: %v %s", when, err, o)
		}
		if !bytes.Equal(npyBytes(t, out), npyBytes(t, ref)) {
			t.Fatalf("%s: resumed output differs from the uninterrupted run", when)
		}
		if s, _ := filepath.Glob(filepath.Join(dir, ".ipcf-scratch-*")); len(s) != 0 {
			t.Fatalf("%s: scratch left after success: %v", when, s)
		}
	}
}

// TestDiskFullAndUnreadable checks the errors for a full disk (a file size
// limit) and for an unreadable file in a series: a message naming the
// file, and no output under the final name.
func TestDiskFullAndUnreadable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	exec.Command(bin, "simulate", "-o", in, "--frames", "1024", "--size", "32", "--quiet").Run()
	out := filepath.Join(dir, "out.npy")
	// ulimit -f: writes past 256 KiB fail with EFBIG, like a full disk.
	cmd := exec.Command("sh", "-c", `ulimit -f 256; exec "$0" "$@"`, bin, "pcf", in, "-o", out, "--engine", "ooc", "--memory", "200MiB", "--quiet")
	msg, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(msg), "file too large") || !strings.Contains(string(msg), dir) {
		t.Errorf("disk full: err %v, message %q: want a failure naming the file", err, msg)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("disk full: output exists under its final name")
	}
	// A folder of TIFFs with one truncated file.
	td := filepath.Join("..", "..", "core", "source", "testdata", "mm", "Pos0")
	series := filepath.Join(dir, "series")
	os.Mkdir(series, 0o755)
	ents, _ := os.ReadDir(td)
	for i, e := range ents {
		b, _ := os.ReadFile(filepath.Join(td, e.Name()))
		if i == 7 {
			b = b[:len(b)/2]
		}
		os.WriteFile(filepath.Join(series, e.Name()), b, 0o644)
	}
	bad := filepath.Join(series, ents[7].Name())
	out2 := filepath.Join(dir, "out2.npy")
	msg, err = exec.Command(bin, "pcf", series, "-o", out2, "--radius", "2", "--npoints", "4", "--nbins", "4", "--quiet").CombinedOutput()
	if err == nil || !strings.Contains(string(msg), bad) {
		t.Errorf("truncated file: err %v, message %q: want it named", err, msg)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("truncated file: output exists under its final name")
	}
}
