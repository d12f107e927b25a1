//go:build unix

// Package asuser runs a test again as an unprivileged user, for tests of
// what a user without permission to read a file sees: root reads every
// file, and the tests run as root in CI.
package asuser

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Env is the variable that marks the child run.
const Env = "IPCF_ASUSER_CHILD"

// Child reports whether this is the run Rerun started: the test then
// checks what the user sees.
func Child() bool { return os.Getenv(Env) != "" }

// Rerun runs the test named name of this test binary again as user
// nobody (uid and gid 65534), with dir (whose folders up to the temporary
// folder it makes searchable) as working and home folder, and fails t if
// that run does not pass. It is for a test running as root; the caller
// arranges the files (owned by root, modes that keep nobody out).
func Rerun(t *testing.T, name, dir string) {
	t.Helper()
	tmp := filepath.Clean(os.TempDir())
	for d := dir; strings.HasPrefix(d, tmp+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, ".asuser.test")
	in, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		in.Close()
		t.Fatal(err)
	}
	_, err = io.Copy(out, in)
	in.Close()
	if cerr := out.Close(); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	defer os.Remove(bin)
	cmd := exec.Command(bin, "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), Env+"=1", "HOME="+dir)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "--- PASS: "+name) {
		t.Fatalf("%s as nobody: %v\n%s", name, err, b)
	}
}
