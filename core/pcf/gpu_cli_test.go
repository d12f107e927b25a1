package pcf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGPUCheckScript runs tools/gpu_check.sh --small on the emulated
// device with a freshly built CLI: every conformance case through
// `ipcf pcf --device cuda` within 1e-6, the simulated dataset against
// --device cpu, and the timing table; it keeps the script (which runs on
// GPU machines without Go) correct.
func TestGPUCheckScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs it about 20 times")
	}
	dir := emuDir(t)
	py := ""
	for _, p := range []string{os.Getenv("PYTHON"), "/usr/bin/python3", "python3"} {
		if p != "" && exec.Command(p, "-c", "import numpy").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatal("no python3 with numpy (make deps installs python3-numpy)")
		}
		t.Skip("no python3 with numpy")
	}
	bin := filepath.Join(t.TempDir(), "ipcf")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/ipcf/ipcf/cmd/ipcf").CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/ipcf: %v\n%s", err, out)
	}
	cmd := exec.Command("bash", filepath.Join("..", "..", "tools", "gpu_check.sh"), "--ipcf", bin, "--small",
		"--cases", conformance, "--cases", golden, "--work", t.TempDir())
	cmd.Env = append(os.Environ(), "IPCF_CUDA_LIBDIR="+dir, "PYTHON="+py, "IPCF_EMU_FAIL=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "gpu_check: all passed") {
		t.Fatalf("gpu_check.sh: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "\nok   "); n < 5 {
		t.Fatalf("only %d checks passed:\n%s", n, out)
	}
	t.Log(string(out))
}
