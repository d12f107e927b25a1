package job

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processStart returns process pid's start time as the kernel states it
// (field 22 of /proc/PID/stat, clock ticks since boot), which tells a
// process from a later one given the same pid; false where /proc does not
// say (another pid namespace's process, no /proc).
func processStart(pid int) (string, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	// The name (field 2) is in parentheses and may hold spaces and ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return "", false
	}
	if _, err := strconv.ParseUint(f[19], 10, 64); err != nil {
		return "", false
	}
	return f[19], true
}

// flockHolder returns the pid of the process holding the flock on the
// open file f, as /proc/locks lists it (0 where none is listed or the
// holder is not seen from here: a pid of another namespace reads 0).
func flockHolder(f *os.File) int {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	dev := uint64(sys.Dev)
	major := (dev>>8)&0xfff | (dev>>32)&^uint64(0xfff)
	minor := dev&0xff | (dev>>12)&^uint64(0xff)
	id := fmt.Sprintf("%02x:%02x:%d", major, minor, sys.Ino)
	b, err := os.ReadFile("/proc/locks")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		w := strings.Fields(line)
		// "1: FLOCK  ADVISORY  WRITE 30038 fe:00:9986249 0 EOF" (a waiter's
		// line has "->" after the number)
		if len(w) < 6 || w[1] != "FLOCK" || w[5] != id {
			continue
		}
		if pid, err := strconv.Atoi(w[4]); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}
