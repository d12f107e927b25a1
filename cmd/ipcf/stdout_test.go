//go:build cgo && unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A process started with stdout closed (ipcf ... >&-) must not report
// success for output that went nowhere: the Go runtime puts /dev/null on
// descriptor 1 before main, so writes there succeed unless ipcf knows.
// --json is refused before any work; a command that writes nothing to
// stdout still runs; a stdout redirected to /dev/null on purpose is fine.
func TestStdoutClosedAtStart(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	sh := func(script string) (int, string) {
		t.Helper()
		cmd := exec.Command("sh", "-c", script, "sh", bin, dir)
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, string(out)
	}
	sim := `"$1" simulate -o "$2/s.npy" --frames 64 --size 8 --quiet`
	if code, msg := sh(`exec 2>&1; "$1" version >&-`); code != 1 || !strings.Contains(msg, "standard output is closed") {
		t.Errorf("version >&-: exit %d, %q; want 1 and a message", code, msg)
	}
	if code, msg := sh(`exec 2>&1; "$1" help pcf >&-`); code != 1 || !strings.Contains(msg, "standard output is closed") {
		t.Errorf("help pcf >&-: exit %d, %q; want 1 and a message", code, msg)
	}
	if code, msg := sh(`exec 2>&1; ` + sim + ` --json >&-`); code != 1 || !strings.Contains(msg, "--json: standard output is closed") {
		t.Errorf("simulate --json >&-: exit %d, %q; want 1 and a message", code, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.npy")); !os.IsNotExist(err) {
		t.Errorf("simulate --json >&- ran anyway: %v", err)
	}
	if code, msg := sh(`exec 2>&1; ` + sim + ` >&-`); code != 0 {
		t.Errorf("simulate >&- (nothing for stdout): exit %d, %q; want 0", code, msg)
	}
	if code, msg := sh(sim + ` --json >/dev/null`); code != 0 || msg != "" {
		t.Errorf("simulate --json >/dev/null: exit %d, %q; want 0", code, msg)
	}
	// A summary that cannot be written (a full disk) after the command
	// is done says the output is in place (it was a bare "write
	// /dev/stdout: no space left on device": CLI11's M11).
	if _, err := os.Stat("/dev/full"); err == nil {
		os.Remove(filepath.Join(dir, "s.npy"))
		os.Remove(filepath.Join(dir, "s.npy.json"))
		code, msg := sh(`exec 2>&1; ` + sim + ` --json >/dev/full`)
		if code != 1 || !strings.Contains(msg, "done, the output in place, but the JSON summary could not be written to standard output") {
			t.Errorf("simulate --json >/dev/full: exit %d, %q; want 1 saying the output is in place", code, msg)
		}
		if _, err := os.Stat(filepath.Join(dir, "s.npy")); err != nil {
			t.Errorf("simulate --json >/dev/full: %v", err)
		}
	}
}
