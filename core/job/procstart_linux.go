package job

import (
	"os"
	"strconv"
	"strings"
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
