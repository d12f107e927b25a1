package pcf

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformance is the shared conformance folder, beside the checkout.
var conformance = filepath.Join("..", "..", "..", "shared", "conformance")

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(conformance, name))
	if err != nil {
		t.Fatalf("conformance data not found (%v): ../shared must be beside the checkout", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

func TestCircleConformance(t *testing.T) {
	var cases []struct {
		Radius, Npoints int
		UV              [][2]int
	}
	readJSON(t, "circle.json", &cases)
	if len(cases) < 100 {
		t.Fatalf("only %d circle cases", len(cases))
	}
	for _, c := range cases {
		got, err := Circle(c.Radius, c.Npoints)
		if err != nil {
			t.Fatal(err)
		}
		for i, uv := range c.UV {
			if got[i].U != uv[0] || got[i].V != uv[1] {
				t.Fatalf("Circle(%d, %d)[%d] = %v, want %v", c.Radius, c.Npoints, i, got[i], uv)
			}
		}
	}
}

func TestLogBinsConformance(t *testing.T) {
	var cases []struct {
		Size, Nbins int
		Bins        []int
	}
	readJSON(t, "logbins.json", &cases)
	if len(cases) < 100 {
		t.Fatalf("only %d logbins cases", len(cases))
	}
	for _, c := range cases {
		got, err := LogBins(c.Size, c.Nbins)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(c.Bins) {
			t.Fatalf("LogBins(%d, %d) = %v, want %v", c.Size, c.Nbins, got, c.Bins)
		}
		for i := range got {
			if got[i] != c.Bins[i] {
				t.Fatalf("LogBins(%d, %d) = %v, want %v", c.Size, c.Nbins, got, c.Bins)
			}
		}
	}
}

func TestParamErrors(t *testing.T) {
	if _, err := Circle(0, 8); err == nil {
		t.Error("Circle(0, 8): no error")
	}
	if _, err := Circle(3, 0); err == nil {
		t.Error("Circle(3, 0): no error")
	}
	if _, err := LogBins(8, 1); err == nil {
		t.Error("LogBins(8, 1): no error")
	}
	if _, err := LogBins(0, 4); err == nil {
		t.Error("LogBins(0, 4): no error")
	}
	// The spec's example: N = 16384, 32 bins -> 30 bins from 1 to 8192.
	b, _ := LogBins(8192, 32)
	if len(b) != 30 || b[0] != 1 || b[5] != 7 || b[29] != 8192 {
		t.Errorf("LogBins(8192, 32) = %v", b)
	}
}

// groupsScan is the definition of groups: offset i (not yet grouped) is
// paired with the first later ungrouped offset that is its negation.
func groupsScan(c []Offset, share bool) [][2]int {
	used := make([]bool, len(c))
	var out [][2]int
	for i := range c {
		if used[i] {
			continue
		}
		used[i] = true
		g := [2]int{i, -1}
		for j := i + 1; share && c[i] != (Offset{}) && j < len(c); j++ { // (0, 0) never shared
			if !used[j] && c[j].U == -c[i].U && c[j].V == -c[i].V {
				used[j] = true
				g[1] = j
				break
			}
		}
		out = append(out, g)
	}
	return out
}

func TestGroupsMatchScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 7))
	for trial := range 300 {
		n := rng.IntN(40)
		r := 1 + rng.IntN(3) // small offsets: many duplicates, negations and (0, 0)
		c := make([]Offset, n)
		for i := range c {
			c[i] = Offset{rng.IntN(2*r+1) - r, rng.IntN(2*r+1) - r}
		}
		for _, share := range []bool{true, false} {
			got, want := groups(c, share), groupsScan(c, share)
			if len(got) != len(want) {
				t.Fatalf("trial %d %v share %v: %v, want %v", trial, c, share, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("trial %d %v share %v: %v, want %v", trial, c, share, got, want)
				}
			}
		}
	}
	// a circle of a million points (the most ipcf_circle takes) is planned
	// by lookups: the scan took minutes here
	g, err := Plan([]int{64, 8, 8}, Options{Radius: 2, Npoints: 1 << 20, Nbins: 8})
	if err != nil || g.OutShape[2] != 1<<20 {
		t.Fatalf("circle(2, 2^20): %v, shape %v", err, g.OutShape)
	}
}

// TestCircleLimitNamesItsParameter: a radius or a number of points over
// the limit is named alone (the message named both, and the limit, for
// either; NUMERIC9's M4).
func TestCircleLimitNamesItsParameter(t *testing.T) {
	if _, err := Circle(2147483647, 32); err == nil || !strings.Contains(err.Error(), "radius=2147483647, want <= 1048576") || strings.Contains(err.Error(), "npoints") {
		t.Errorf("radius over the limit: %v", err)
	}
	if _, err := Circle(3, 1<<21); err == nil || !strings.Contains(err.Error(), "npoints=2097152, want <= 1048576") || strings.Contains(err.Error(), "radius") {
		t.Errorf("points over the limit: %v", err)
	}
}
