//go:build cgo && !ipcf_purego

package fft

/*
#include <stdlib.h>
#include <fftw3.h>
*/
import "C"

import (
	"os"
	"path/filepath"
	"unsafe"
)

// FFTW wisdom (the outcome of FFTW_MEASURE planning) is kept in a file so
// that measuring happens once per machine, not once per process:
// $IPCF_FFTW_WISDOM if set ("off" disables the file), otherwise
// <user cache dir>/ipcf/fftw3f.wisdom. Callers hold planMu.
var wisdomLoaded bool

func wisdomPath() string {
	if p := os.Getenv("IPCF_FFTW_WISDOM"); p != "" {
		if p == "off" {
			return ""
		}
		return p
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "ipcf", "fftw3f.wisdom")
}

func loadWisdom() {
	if wisdomLoaded {
		return
	}
	wisdomLoaded = true
	p := wisdomPath()
	if p == "" {
		return
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) == 0 || len(b) > 1<<20 {
		return
	}
	s := C.CString(string(b))
	C.fftwf_import_wisdom_from_string(s) // a bad file is ignored by FFTW
	C.free(unsafe.Pointer(s))
}

func saveWisdom() {
	p := wisdomPath()
	if p == "" {
		return
	}
	s := C.fftwf_export_wisdom_to_string()
	if s == nil {
		return
	}
	text := C.GoString(s)
	C.free(unsafe.Pointer(s))
	if os.MkdirAll(filepath.Dir(p), 0o755) != nil {
		return
	}
	tmp := p + ".tmp" + itoa(os.Getpid())
	if os.WriteFile(tmp, []byte(text), 0o644) == nil {
		os.Rename(tmp, p)
	} else {
		os.Remove(tmp)
	}
}

func itoa(i int) string {
	b := []byte{}
	for i > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
	}
	return string(b)
}
