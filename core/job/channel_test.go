package job

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/pcf"
)

// TestChannelSpec: the channel selections of a Spec (as the C ABI sets
// them): negative numbers, a channel an input of one channel does not
// have, and --channel2 with a second channel array are ErrOption (an
// invalid parameter for every host); channel 1 of a .npy is its one
// channel; each selection is in the key.
func TestChannelSpec(t *testing.T) {
	dir := t.TempDir()
	in := writeInput(t, dir, 0)
	base := DefaultSpec()
	base.Input.Path, base.Output = in, filepath.Join(dir, "out.npy")
	base.PCF.Offsets = []pcf.Offset{{}}
	for _, c := range []struct {
		name string
		set  func(*Spec)
		msg  string
	}{
		{"negative channel", func(s *Spec) { s.Input.Channel = -1 }, "--channel -1: want a channel number from 1"},
		{"negative channel2", func(s *Spec) { s.Channel2 = -3 }, "--channel2 -3: want a channel number from 1"},
		{"channel 2 of a .npy", func(s *Spec) { s.Input.Channel = 2 }, "--channel 2 (channel= in Python and ImageJ, 'Channel' in MATLAB/Octave): source: no such channel: " + in + ": channel 2: the input has one channel"},
		{"channel2 2 of a .npy", func(s *Spec) { s.Channel2 = 2 }, "--channel2 2 (channel2= in Python and ImageJ, 'Channel2' in MATLAB/Octave):"},
		{"channel2 and an array", func(s *Spec) {
			f, err := npy.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			s.Channel2, s.PCF.Data2 = 1, &f.View
		}, "as channel 1 of a file (--channel2) and as an array"},
	} {
		s := base
		c.set(&s)
		j, err := Open(s)
		if err == nil {
			j.Close()
		}
		if !errors.Is(err, ErrOption) || !errors.Is(err, pcf.ErrParam) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: %v, want ErrOption saying %q", c.name, err, c.msg)
		}
	}
	keys := map[string]string{}
	for _, c := range []struct {
		name string
		set  func(*Spec)
	}{
		{"none", func(*Spec) {}},
		{"channel 1", func(s *Spec) { s.Input.Channel = 1 }},
		{"channel2 1", func(s *Spec) { s.Channel2 = 1 }},
		{"channel 1, channel2 1", func(s *Spec) { s.Input.Channel, s.Channel2 = 1, 1 }},
	} {
		s := base
		c.set(&s)
		j, err := Open(s)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if prev, ok := keys[j.Key()]; ok {
			t.Errorf("%s: the key of %s", c.name, prev)
		}
		keys[j.Key()] = c.name
		m := j.Metadata(0, 0)
		if (s.Input.Channel > 0) != (m["channel"] != nil) || (s.Channel2 > 0) != (m["channel2"] != nil) || (s.Channel2 > 0) != (m["channels"] == 2) {
			t.Errorf("%s: metadata channel %v, channel2 %v, channels %v", c.name, m["channel"], m["channel2"], m["channels"])
		}
		j.Close()
	}
}
