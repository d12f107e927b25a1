package pcf

import (
	"fmt"
	"testing"
)

// LogBins for sizes that are not powers of two, against numpy's
// unique(logspace(0, log(size)/log(2), nbins, base=2).astype(intp)) as
// numpy 1.24 computes it with glibc (found by a comparison over sizes
// 2..20000: Go's math.Pow gave [1 2], [1 5] and ends at 95).
func TestLogBinsNotPowersOfTwo(t *testing.T) {
	for _, c := range []struct {
		size, nbins int
		want        string
	}{
		{3, 2, "[1 3]"},
		{6, 2, "[1 6]"},
		{14, 8, "[1 2 3 4 6 9 13]"},
		{96, 8, "[1 3 7 13 26 50 96]"},
	} {
		got, err := LogBins(c.size, c.nbins)
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("LogBins(%d, %d) = %v, %v; want %s", c.size, c.nbins, got, err, c.want)
		}
	}
}
