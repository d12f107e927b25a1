package job

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/internal/sysmem"
	"github.com/ipcf/ipcf/core/pcf"
)

// TestAddressLimit: below a limit of address space (ulimit -v; faked
// here) the default budget is what the limit leaves after
// sysmem.AddressReserve, auto runs out of core when the arrays in memory
// would not fit (same bytes as in memory), and a limit that leaves too
// little for any budget is ErrMemory naming the limit, not a budget the
// user could change. A given budget larger than what is left is capped.
func TestAddressLimit(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 5)
	spec := func(out string) Spec {
		s := DefaultSpec()
		s.Input.Path, s.Output = in, filepath.Join(dir, out)
		s.PCF.Radius, s.PCF.Npoints, s.PCF.Nbins = 2, 8, 6
		return s
	}
	if _, err := runSpec(t, spec("ref.npy")); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "ref.npy"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { addressLeft = sysmem.AddressLeft }()
	open := func(s Spec, left int64) *Job {
		t.Helper()
		addressLeft = func() (int64, bool) { return left, true }
		j, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}

	// Room for the arrays in memory: the budget is what is left, in memory.
	j := open(spec("a.npy"), sysmem.AddressReserve+(1<<30)+5)
	if j.Engine() != "memory" || j.Memory() != 1<<30 {
		t.Errorf("1 GiB left after the reserve: engine %s, budget %d, want memory, %d", j.Engine(), j.Memory(), 1<<30)
	}
	j.Close()

	// Too little for the arrays in memory, enough out of core: same bytes.
	for _, out := range []string{"b.npy", "b.zarr"} {
		j = open(spec(out), sysmem.AddressReserve+j.inMemNeed-1)
		if j.Engine() != "ooc" {
			t.Errorf("%s: %d bytes left after the reserve, the arrays in memory need %d: engine %s, want ooc", out, j.inMemNeed-1, j.inMemNeed, j.Engine())
		}
		if j.Memory()%(16<<20) != 0 || j.Memory() > j.inMemNeed {
			t.Errorf("%s: budget %d, want a multiple of 16 MiB at most %d", out, j.Memory(), j.inMemNeed)
		}
		if _, err := j.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		j.Close()
	}
	got, err := os.ReadFile(filepath.Join(dir, "b.npy"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("out of core under the limit: %v, or bytes differ from in memory", err)
	}

	// Nothing left: ErrMemory naming the limit.
	j = open(spec("c.npy"), 10<<20)
	_, err = j.Run(t.Context())
	j.Close()
	if !errors.Is(err, pcf.ErrMemory) || !strings.Contains(err.Error(), "ulimit -v") {
		t.Errorf("10 MiB of address space left: %v, want ErrMemory naming ulimit -v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "c.npy")); !os.IsNotExist(err) {
		t.Errorf("c.npy: %v, want no file", err)
	}

	// A given budget is capped too (the engines take much of it from Go's
	// heap: --memory 4GiB under ulimit -v 1450000 ended the process); one
	// that fits is kept.
	s := spec("d.npy")
	s.Memory = 3 << 30
	j = open(s, sysmem.AddressReserve+(64<<20))
	if j.Memory() != 64<<20 {
		t.Errorf("given budget 3 GiB, 64 MiB left after the reserve: budget %d, want %d", j.Memory(), 64<<20)
	}
	j.Close()
	j = open(s, sysmem.AddressReserve+(4<<30))
	if j.Memory() != 3<<30 {
		t.Errorf("given budget 3 GiB, 4 GiB left after the reserve: budget %d", j.Memory())
	}
	j.Close()
	// Nothing at all left: ErrMemory, not a budget to change.
	j = open(spec("e.npy"), 0)
	_, err = j.Run(t.Context())
	j.Close()
	if !errors.Is(err, pcf.ErrMemory) || !strings.Contains(err.Error(), "ulimit -v") {
		t.Errorf("no address space left: %v, want ErrMemory naming ulimit -v", err)
	}
}
