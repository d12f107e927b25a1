package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPeakMemory runs both engines with a memory budget and checks the
// peak resident memory of the process (its own VmHWM, which counts mapped
// input pages too, from --json; the child's getrusage would start at this
// test process's resident memory) against the budget.
func TestPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates a 128 MiB input: skipped with -short")
	}
	bin := binary(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.npy")
	if out, err := exec.Command(bin, "simulate", "-o", in, "--frames", "4096", "--size", "128", "--quiet").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	for _, c := range []struct {
		budget, engine string
		bytes          int64
	}{
		{"320MiB", "in memory", 320 << 20},
		{"128MiB", "out of core", 128 << 20},
		{"96MiB", "out of core", 96 << 20},
	} {
		out := filepath.Join(dir, "out-"+c.budget+".npy")
		cmd := exec.Command(bin, "pcf", in, "-o", out, "--memory", c.budget, "--json")
		msg, err := cmd.Output()
		if err != nil {
			t.Fatalf("--memory %s: %v %s", c.budget, err, msg)
		}
		var js struct {
			Summary string `json:"summary"`
			Peak    int64  `json:"peak_memory_bytes"`
		}
		if err := json.Unmarshal(msg, &js); err != nil || !strings.Contains(js.Summary, c.engine) {
			t.Fatalf("--memory %s: want the %s engine: %v %s", c.budget, c.engine, err, msg)
		}
		peak := js.Peak
		t.Logf("--memory %s (%s): peak resident %.1f MiB", c.budget, c.engine, float64(peak)/(1<<20))
		if peak > c.bytes {
			t.Errorf("--memory %s (%s): peak resident memory %.1f MiB is over the budget", c.budget, c.engine, float64(peak)/(1<<20))
		}
	}
}
