package cuda

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestKernelsCompileWithClang compiles the kernel source to PTX with
// clang's CUDA front end (Debian's clang, no CUDA toolkit), with only the
// builtins NVRTC predefines (testdata/nvrtc_builtins.h): what clang
// rejects, NVRTC would likely reject on the GPU machine, where nothing
// here can test it. It also checks that every kernel is there and that
// the static shared memory of each fits the 48 KiB every device has.
func TestKernelsCompileWithClang(t *testing.T) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		if os.Getenv("IPCF_REQUIRE_ALL") != "" {
			t.Fatal("clang not found (make deps installs it)")
		}
		t.Skip("clang not found")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "kernels.cu")
	abs, _ := filepath.Abs("kernels.cu.h")
	os.WriteFile(src, []byte("#include \""+abs+"\"\n"), 0o644)
	inc, _ := filepath.Abs(filepath.Join("testdata", "nvrtc_builtins.h"))
	var ptx []byte
	var arch string
	// The newest architecture this clang knows (14 stops at sm_86).
	for _, a := range []string{"sm_90", "sm_89", "sm_86", "sm_80"} {
		out := filepath.Join(dir, a+".ptx")
		cmd := exec.Command(clang, "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib",
			"--cuda-gpu-arch="+a, "-O2", "-ffp-contract=off", "-Wall", "-Werror", "-S", "-include", inc, "-o", out, src)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			if strings.Contains(string(msg), "unsupported CUDA gpu architecture") {
				continue
			}
			t.Fatalf("clang rejects the kernels (%s):\n%s", a, msg)
		}
		ptx, _ = os.ReadFile(out)
		arch = a
		break
	}
	if ptx == nil {
		t.Fatal("clang knows none of sm_90, sm_89, sm_86, sm_80")
	}
	p := string(ptx)
	for _, k := range []string{"ipcf_sums", "ipcf_transpose", "ipcf_mulconj", "ipcf_bins"} {
		if !strings.Contains(p, ".entry "+k+"(") {
			t.Errorf("PTX (%s) lacks kernel %s", arch, k)
		}
	}
	if strings.Contains(p, "fma.rn.f32") {
		t.Error("fused multiply-adds in the float32 kernels: the CPU path does not fuse")
	}
	// Static shared memory per kernel: ".shared .align A .b8 NAME[SIZE]".
	re := regexp.MustCompile(`\.shared \.align \d+ \.b8 _ZZ\d+(\w+?)E\w*\[(\d+)\]`)
	shared := map[string]int{}
	for _, m := range re.FindAllStringSubmatch(p, -1) {
		n, _ := strconv.Atoi(m[2])
		shared[m[1]] += n
	}
	for k, n := range shared {
		if n > 48<<10 {
			t.Errorf("%s uses %d bytes of static shared memory, more than 48 KiB", k, n)
		}
	}
	t.Logf("clang %s: %d bytes of PTX; static shared memory %v", arch, len(ptx), shared)
}
