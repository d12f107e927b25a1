//go:build linux

package sysmem

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeRoot writes files (path relative to the root: content) into a new
// folder standing for "/".
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	v1Mounts = "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
		"31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n" +
		"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
		"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
	v2Mounts = "25 1 0:22 / / rw - ext4 /dev/vda rw\n" +
		"30 25 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n"
)

func TestCgroupLimit(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"v2 job limit", map[string]string{
			"proc/self/cgroup":                              "0::/user.slice/job.scope\n",
			"proc/self/mountinfo":                           v2Mounts,
			"sys/fs/cgroup/user.slice/job.scope/memory.max": "4294967296\n",
			"sys/fs/cgroup/user.slice/memory.max":           "max\n",
		}, 4 << 30},
		{"v2 parent's limit holds for the child", map[string]string{
			"proc/self/cgroup":                              "0::/user.slice/job.scope\n",
			"proc/self/mountinfo":                           v2Mounts,
			"sys/fs/cgroup/user.slice/job.scope/memory.max": "max\n",
			"sys/fs/cgroup/user.slice/memory.max":           "1073741824\n",
		}, 1 << 30},
		{"v2 no limit", map[string]string{
			"proc/self/cgroup":                              "0::/user.slice/job.scope\n",
			"proc/self/mountinfo":                           v2Mounts,
			"sys/fs/cgroup/user.slice/job.scope/memory.max": "max\n",
		}, 0},
		{"v2 container: namespace root, limit at the mount", map[string]string{
			"proc/self/cgroup":         "0::/\n",
			"proc/self/mountinfo":      v2Mounts,
			"sys/fs/cgroup/memory.max": "536870912\n",
		}, 512 << 20},
		{"v2 group outside the mount's root reads the mount", map[string]string{
			"proc/self/cgroup":         "0::/../other\n",
			"proc/self/mountinfo":      "30 25 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
			"sys/fs/cgroup/memory.max": "268435456\n",
		}, 256 << 20},
		{"v1 (this machine's layout) with a limit", map[string]string{
			"proc/self/cgroup":    "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n",
			"proc/self/mountinfo": v1Mounts,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": "2147483648\n",
			"sys/fs/cgroup/memory/process_api/memory.limit_in_bytes":     "9223372036854771712\n",
			"sys/fs/cgroup/memory/memory.limit_in_bytes":                 "9223372036854771712\n",
		}, 2 << 30},
		{"v1 limit with its usage (headroom)", map[string]string{
			"proc/self/cgroup":    "4:memory:/process_api/abc\n",
			"proc/self/mountinfo": v1Mounts,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": "2147483648\n",
			"sys/fs/cgroup/memory/process_api/abc/memory.usage_in_bytes": "536870912\n",
		}, 2 << 30},
		{"v1 unlimited", map[string]string{
			"proc/self/cgroup":    "4:memory:/process_api/abc\n0::/\n",
			"proc/self/mountinfo": v1Mounts,
			"sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes": "9223372036854771712\n",
		}, 0},
		{"v1 memory shares a hierarchy; mount root is the group's parent", map[string]string{
			"proc/self/cgroup":    "3:cpu,memory:/docker/c1\n",
			"proc/self/mountinfo": "34 30 0:31 /docker /sys/fs/cgroup/cpu,memory rw - cgroup cgroup rw,cpu,memory\n",
			"sys/fs/cgroup/cpu,memory/c1/memory.limit_in_bytes": "3221225472\n",
		}, 3 << 30},
		{"hybrid: the smaller of v1 and v2", map[string]string{
			"proc/self/cgroup":                             "4:memory:/a\n0::/b\n",
			"proc/self/mountinfo":                          v1Mounts,
			"sys/fs/cgroup/memory/a/memory.limit_in_bytes": "2147483648\n",
			"sys/fs/cgroup/unified/b/memory.max":           "1073741824\n",
		}, 1 << 30},
		{"mount point with a space (mountinfo's escape)", map[string]string{
			"proc/self/cgroup":            "0::/g\n",
			"proc/self/mountinfo":         `30 25 0:26 / /sys/fs/cg\040roup rw - cgroup2 cgroup2 rw` + "\n",
			"sys/fs/cg roup/g/memory.max": "123456789\n",
		}, 123456789},
		{"damaged files: no limit, no crash", map[string]string{
			"proc/self/cgroup":    "garbage\n4:memory\n::\n0::relative\n",
			"proc/self/mountinfo": "1 2 3\n- - -\n30 25 0:26 / /x rw -\n",
		}, 0},
		{"a limit file of garbage or 0 is no limit", map[string]string{
			"proc/self/cgroup":           "0::/g\n",
			"proc/self/mountinfo":        v2Mounts,
			"sys/fs/cgroup/g/memory.max": "lots\n",
			"sys/fs/cgroup/memory.max":   "0\n",
		}, 0},
		{"no proc files", map[string]string{}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := cgroupLimit(fakeRoot(t, c.files)); got != c.want {
				t.Fatalf("cgroupLimit = %d, want %d", got, c.want)
			}
		})
	}
}

// TestTotalAtMostPhysical: Total never exceeds the machine's memory and
// is at most this process's cgroup limit, whatever the machine.
func TestTotalAtMostPhysical(t *testing.T) {
	total, phys, cg := Total(), physical(), cgroupLimit("/")
	if total <= 0 || total > phys {
		t.Fatalf("Total() = %d, physical %d: want in (0, physical]", total, phys)
	}
	if cg > 0 && total != min(cg, phys) {
		t.Fatalf("Total() = %d with cgroup limit %d and physical %d: want the smaller", total, cg, phys)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/a\134b`: `/a\b`, `/plain`: "/plain", `/end\04`: `/end\04`, `\011x`: "\tx",
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCgroupHeadroom: the memory left is the smallest limit minus usage of
// a limited group or ancestor; -1 without a limit or its usage.
func TestCgroupHeadroom(t *testing.T) {
	for _, c := range []struct {
		name  string
		files map[string]string
		want  int64
	}{
		{"v2 group", map[string]string{
			"proc/self/cgroup": "0::/a/b\n", "proc/self/mountinfo": v2Mounts,
			"sys/fs/cgroup/a/b/memory.max": "1000000\n", "sys/fs/cgroup/a/b/memory.current": "300000\n",
		}, 700000},
		{"v2 parent has less left", map[string]string{
			"proc/self/cgroup": "0::/a/b\n", "proc/self/mountinfo": v2Mounts,
			"sys/fs/cgroup/a/b/memory.max": "1000000\n", "sys/fs/cgroup/a/b/memory.current": "300000\n",
			"sys/fs/cgroup/a/memory.max": "2000000\n", "sys/fs/cgroup/a/memory.current": "1900000\n",
		}, 100000},
		{"v1 over its limit: none left", map[string]string{
			"proc/self/cgroup": "4:memory:/g\n", "proc/self/mountinfo": v1Mounts,
			"sys/fs/cgroup/memory/g/memory.limit_in_bytes": "1000\n", "sys/fs/cgroup/memory/g/memory.usage_in_bytes": "5000\n",
		}, 0},
		{"no usage file", map[string]string{
			"proc/self/cgroup": "0::/a\n", "proc/self/mountinfo": v2Mounts, "sys/fs/cgroup/a/memory.max": "1000000\n",
		}, -1},
		{"no limit", map[string]string{
			"proc/self/cgroup": "0::/a\n", "proc/self/mountinfo": v2Mounts, "sys/fs/cgroup/a/memory.max": "max\n",
			"sys/fs/cgroup/a/memory.current": "300000\n",
		}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, got := cgroupMemory(fakeRoot(t, c.files)); got != c.want {
				t.Fatalf("headroom %d, want %d", got, c.want)
			}
		})
	}
}
