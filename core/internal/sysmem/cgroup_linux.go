//go:build linux

package sysmem

import (
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// unlimited is the smallest limit taken as none: cgroup v1 writes "no
// limit" as the largest page-aligned int64 (9223372036854771712).
const unlimited = 1 << 62

// cgroupLimit is the smallest memory limit of this process's control
// groups and of their ancestors up to the mounted root (a limit of a
// parent holds for its children), in bytes; 0 if there is none or it
// cannot be read. root is "/", or a folder that holds a copy of proc/self
// and the cgroup file systems (the tests). Both cgroup v2 (memory.max)
// and v1 (memory.limit_in_bytes) are read, as a hybrid system mounts
// both; the smaller limit counts.
func cgroupLimit(root string) int64 {
	limit, _ := cgroupMemory(root)
	return limit
}

// cgroupMemory is cgroupLimit's limit and the memory left below the
// limits: the smallest limit minus usage of a limited group or ancestor
// (memory.current, memory.usage_in_bytes; at least 0), -1 where no
// limit holds or its usage cannot be read.
func cgroupMemory(root string) (limit, headroom int64) {
	headroom = -1
	groups, err := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return 0, -1
	}
	mounts, err := os.ReadFile(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return 0, -1
	}
	for line := range strings.Lines(string(groups)) {
		// "hierarchy-ID:controllers:path"; v2 is "0::path".
		id, rest, ok1 := strings.Cut(strings.TrimSpace(line), ":")
		ctrls, p, ok2 := strings.Cut(rest, ":")
		if !ok1 || !ok2 || !strings.HasPrefix(p, "/") {
			continue
		}
		var file string
		switch {
		case id == "0" && ctrls == "":
			file = "memory.max"
		case hasField(ctrls, "memory"):
			file = "memory.limit_in_bytes"
		default:
			continue
		}
		for _, m := range cgroupMounts(string(mounts), file == "memory.max") {
			l, h := limitUpwards(filepath.Join(root, m.point), m.root, p, file)
			if l > 0 && (limit == 0 || l < limit) {
				limit = l
			}
			if h >= 0 && (headroom < 0 || h < headroom) {
				headroom = h
			}
		}
	}
	return limit, headroom
}

// mount is a cgroup file system's mount: the folder of the hierarchy it
// shows (its root) and where it is mounted.
type mount struct{ root, point string }

// cgroupMounts lists the mounts in mountinfo (the format of
// /proc/self/mountinfo: "id parent major:minor root point options
// [optional...] - type source super-options") of cgroup v2 (v2) or of
// the v1 hierarchy with the memory controller.
func cgroupMounts(mountinfo string, v2 bool) []mount {
	var ms []mount
	for line := range strings.Lines(mountinfo) {
		f := strings.Fields(line)
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if len(f) < 5 || sep < 0 || sep+3 >= len(f) {
			continue
		}
		fstype, super := f[sep+1], f[sep+3]
		if (v2 && fstype == "cgroup2") || (!v2 && fstype == "cgroup" && hasField(super, "memory")) {
			ms = append(ms, mount{root: unescape(f[3]), point: unescape(f[4])})
		}
	}
	return ms
}

// limitUpwards reads file (memory.max or memory.limit_in_bytes) in the
// folder of the group p, under a mount at point of the hierarchy's
// folder mroot, and in each parent folder up to the mount's; the
// smallest limit, 0 if none. A group outside the mount's root (a cgroup
// namespace's mount of a parent) reads the mount's own folder.
func limitUpwards(point, mroot, p, file string) (limit, headroom int64) {
	rel, ok := strings.CutPrefix(path.Clean(p), path.Clean(mroot))
	if mroot == "/" {
		rel, ok = path.Clean(p), true
	}
	if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
		rel = ""
	}
	usage := "memory.current"
	if file != "memory.max" {
		usage = "memory.usage_in_bytes"
	}
	headroom = -1
	for dir := rel; ; dir = path.Dir(dir) {
		if dir == "." || dir == "" {
			dir = "/"
		}
		if l := readLimit(filepath.Join(point, dir, file)); l > 0 {
			if limit == 0 || l < limit {
				limit = l
			}
			if u := readLimit(filepath.Join(point, dir, usage)); u > 0 {
				if h := max(0, l-u); headroom < 0 || h < headroom {
					headroom = h
				}
			}
		}
		if dir == "/" {
			return limit, headroom
		}
	}
}

// readLimit reads a limit file: a number of bytes, "max" (v2: none) or
// a v1 number so large it means none; 0 for none or unreadable.
func readLimit(name string) int64 {
	b, err := os.ReadFile(name)
	if err != nil {
		return 0
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || v <= 0 || v >= unlimited {
		return 0
	}
	return v
}

// hasField reports whether the comma-separated list s holds f.
func hasField(s, f string) bool {
	for x := range strings.SplitSeq(s, ",") {
		if x == f {
			return true
		}
	}
	return false
}

// unescape undoes mountinfo's octal escapes of a path (`\040` for a
// space, `\011`, `\012`, `\134`).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
