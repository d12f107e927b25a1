package pcf

import (
	"encoding/json"
	"os"
	"path/filepath"
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
