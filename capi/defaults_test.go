package main

import (
	"testing"

	"github.com/ipcf/ipcf/core/fit"
)

// TestHeaderDefaultWaist: the waist ipcf.h tells the hosts a fit without
// one takes is the one it takes (core/fit owns it).
func TestHeaderDefaultWaist(t *testing.T) {
	if headerDefaultWaist != fit.DefaultWaist {
		t.Errorf("ipcf.h IPCF_FIT_DEFAULT_WAIST %v, core/fit.DefaultWaist %v", headerDefaultWaist, fit.DefaultWaist)
	}
}
