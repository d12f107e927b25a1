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

// Dir returns a new folder for the files of a test that Rerun runs again
// as nobody, searchable by nobody, and sets the umask to 022 until the
// test ends (the files a test makes for nobody to read, and the outputs
// of the runs it makes as root, get the modes it means). Under umask 077
// (a hardened CI image) they were root's alone, and in a temporary folder
// inside one nobody cannot search (TMPDIR=/root/tmp) nobody could reach
// none of them: "permission denied" in every such test. The folder is
// then made in /tmp.
func Dir(t *testing.T) string {
	t.Helper()
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := t.TempDir()
	if reachable(filepath.Dir(dir)) {
		return dir
	}
	if !reachable("/tmp") {
		t.Fatalf("neither %s (TMPDIR) nor /tmp can be reached by user nobody: the test runs again as nobody over its files", os.TempDir())
	}
	d, err := os.MkdirTemp("/tmp", "ipcf-asuser-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// reachable reports whether others (user nobody) may search dir and every
// folder above it.
func reachable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm()&0o001 == 0 {
			return false
		}
		if filepath.Dir(d) == d {
			return true
		}
	}
}

// Rerun runs the test named name of this test binary again as user
// nobody (uid and gid 65534), with dir (from Dir; whose folders up to the
// temporary folder it makes searchable) as working and home folder, and fails t if
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
	if err := os.Chmod(bin, 0o755); err != nil { // (whatever the umask)
		t.Fatal(err)
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
