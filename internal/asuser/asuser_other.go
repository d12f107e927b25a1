//go:build !unix

package asuser

import (
	"os"
	"testing"
)

// Env is the variable that marks the child run.
const Env = "IPCF_ASUSER_CHILD"

// Child reports whether this is the run Rerun started.
func Child() bool { return os.Getenv(Env) != "" }

// Rerun skips t: file permissions here are not POSIX modes.
func Rerun(t *testing.T, name, dir string) {
	t.Skip("running as another user needs a POSIX system")
}
