package fit_test

import (
	"context"
	"math"
	"syscall"
	"testing"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/simulate"
)

// cpuSeconds is the process's user + system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkFitVsComputeDefaultDataset: issue 14's speed target, "fitting
// every pixel of the default dataset's pCF costs at most as much CPU as
// computing it". It simulates the default dataset (the tutorial's: 32000
// frames of 64 x 64 pixels), computes its pCF with the default options,
// then fits every pixel and offset with the 1-D pCF model, and reports
// the CPU seconds of both and their ratio (fit/compute, want <= 1),
// measured in the same run.
func BenchmarkFitVsComputeDefaultDataset(b *testing.B) {
	so := simulate.DefaultOptions()
	data, err := array.Contiguous(array.Uint16, []int{so.Frames, so.Size, so.Size}, make([]byte, so.Frames*so.Size*so.Size*2))
	if err != nil {
		b.Fatal(err)
	}
	if err := simulate.Run(context.Background(), data, so); err != nil {
		b.Fatal(err)
	}
	o := pcf.DefaultOptions()
	g, err := pcf.Plan(data.Shape, o)
	if err != nil {
		b.Fatal(err)
	}
	os := g.OutShape
	buf := make([]byte, os[0]*os[1]*os[2]*os[3]*4)
	out, _ := array.Contiguous(array.Float32, os[:], buf)
	curves := make([]float32, len(buf)/4)
	offs := make([]fit.Vec, len(g.Offsets))
	for i, c := range g.Offsets {
		offs[i] = fit.Vec{X: float64(c.U), Y: float64(c.V)}
	}
	m := fit.PCF1D{W: 2 * so.PSFSigma}
	var cpuPCF, cpuFit float64
	var converged int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0 := cpuSeconds()
		if err := pcf.Compute(context.Background(), out, data, o); err != nil {
			b.Fatal(err)
		}
		c1 := cpuSeconds()
		for k := range curves {
			curves[k] = math.Float32frombits(uint32(buf[4*k]) | uint32(buf[4*k+1])<<8 | uint32(buf[4*k+2])<<16 | uint32(buf[4*k+3])<<24)
		}
		c2 := cpuSeconds()
		maps, err := fit.FitAll(context.Background(), m, fit.Curves{Data: curves, Shape: os, Tau: g.Delays, Offsets: offs},
			fit.AllOptions{Options: fit.DefaultOptions(m)})
		if err != nil {
			b.Fatal(err)
		}
		c3 := cpuSeconds()
		cpuPCF += c1 - c0
		cpuFit += c3 - c2
		converged = maps.Counts()[fit.Converged]
	}
	n := float64(b.N)
	b.ReportMetric(cpuPCF/n, "pcf-CPU-s")
	b.ReportMetric(cpuFit/n, "fit-CPU-s")
	b.ReportMetric(cpuFit/cpuPCF, "fit/pcf")
	b.ReportMetric(float64(converged), "converged")
	b.ReportMetric(float64(os[0]*os[1]*os[2]), "curves")
}
