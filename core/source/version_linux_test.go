//go:build linux

package source

import (
	"io/fs"
	"syscall"
	"testing"
	"time"
)

// statInfo is an os.FileInfo whose Sys is a given Stat_t.
type statInfo struct{ st syscall.Stat_t }

func (f statInfo) Name() string       { return "f" }
func (f statInfo) Size() int64        { return f.st.Size }
func (f statInfo) Mode() fs.FileMode  { return 0o644 }
func (f statInfo) ModTime() time.Time { return time.Unix(f.st.Mtim.Unix()) }
func (f statInfo) IsDir() bool        { return false }
func (f statInfo) Sys() any           { return &f.st }

// Another file in the place of the first (a link pointed elsewhere) with
// the same size and times has another Status: its inode. A status time of
// whole seconds (a file system that keeps no finer) is inexact: a rewrite
// within the second would leave it equal. Before, the status was the time
// alone, and a rerun called the other file's result "already complete".
func TestStatusIdentityAndExactness(t *testing.T) {
	a := syscall.Stat_t{Dev: 7, Ino: 100, Size: 4096, Ctim: syscall.Timespec{Sec: 1700000000, Nsec: 123456789}}
	b := a
	b.Ino = 101
	if Status(statInfo{a}) == Status(statInfo{b}) {
		t.Errorf("files of inodes 100 and 101 with equal times: equal Status %q", Status(statInfo{a}))
	}
	c := a
	c.Dev = 8
	if Status(statInfo{a}) == Status(statInfo{c}) {
		t.Error("files of devices 7 and 8 with equal inodes and times: equal Status")
	}
	if _, exact := fileStatus(statInfo{a}); !exact {
		t.Error("a time with nanoseconds: inexact")
	}
	a.Ctim.Nsec = 0
	if _, exact := fileStatus(statInfo{a}); exact {
		t.Error("a time of whole seconds: exact")
	}
	if s := (Snapshot{files: []string{"/nonexistent"}, statuses: []string{"x"}, inexact: true}); !s.Touched() || !s.Inexact() {
		t.Error("an inexact snapshot is not Touched")
	}
}
