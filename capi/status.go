package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/conv"
	"github.com/ipcf/ipcf/core/fit"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/simulate"
	"github.com/ipcf/ipcf/core/source"
	"github.com/ipcf/ipcf/core/xcorr"
)

// statusTable is the one mapping from core's errors to status codes. The
// first entry whose error matches (errors.Is) wins, so the specific
// outcomes (cancelled, memory, device, busy, a changed input) come before
// the general ones. capi/status_test.go checks that every exported
// sentinel error of core/ is listed: a new sentinel needs a row here.
var statusTable = []struct {
	name string
	err  error
	code status
}{
	{"pcf.ErrCancelled", pcf.ErrCancelled, eCancelled},
	{"pool.ErrCancelled", pool.ErrCancelled, eCancelled},
	{"context.Canceled", context.Canceled, eCancelled},
	{"context.DeadlineExceeded", context.DeadlineExceeded, eCancelled},
	{"pcf.ErrMemory", pcf.ErrMemory, eMemory},
	{"npy.ErrNotReserved", npy.ErrNotReserved, eIO}, // the command line's results only (it writes them from memory then)
	{"pcf.ErrNoDevice", pcf.ErrNoDevice, eNoDevice},
	{"job.ErrBusy", job.ErrBusy, eBusy},
	{"source.ErrChanged", source.ErrChanged, eIO},
	{"ooc.ErrSealBroken", ooc.ErrSealBroken, eIO},
	{"ooc.ErrWrittenChanged", ooc.ErrWrittenChanged, eIO}, // (the job wraps it in job.ErrInput)
	{"ooc.ErrUnlabelled", ooc.ErrUnlabelled, eIO},         // a publication half done by a failed rename or write
	{"ooc.ErrOldKept", ooc.ErrOldKept, eIO},               // published; the earlier result set aside could not be removed
	{"npy.ErrNotRegular", npy.ErrNotRegular, eIO},
	{"array.ErrDType", array.ErrDType, eLayout},
	{"array.ErrLayout", array.ErrLayout, eLayout},
	{"array.ErrShape", array.ErrShape, eInvalid},
	{"ooc.ErrBudget", ooc.ErrBudget, eInvalid},
	{"pcf.ErrParam", pcf.ErrParam, eInvalid},
	{"pcf.ErrShape", pcf.ErrShape, eInvalid},
	{"bleach.ErrParam", bleach.ErrParam, eInvalid},
	{"bleach.ErrCounts", bleach.ErrCounts, eInvalid}, // a warning of the hosts; never returned today
	{"conv.ErrParam", conv.ErrParam, eInvalid},
	{"simulate.ErrParam", simulate.ErrParam, eInvalid},
	{"xcorr.ErrLength", xcorr.ErrLength, eInvalid},
	{"xcorr.ErrZeroSum", xcorr.ErrZeroSum, eInvalid},
	{"job.ErrInput", job.ErrInput, eInvalid},
	{"job.ErrOutput", job.ErrOutput, eInvalid},
	{"ooc.ErrAppeared", ooc.ErrAppeared, eInvalid},         // (the job wraps it in job.ErrOutput)
	{"ooc.ErrScratchEntry", ooc.ErrScratchEntry, eInvalid}, // a user's entry at the scratch folder's name, as job.ErrOutput
	{"source.ErrChannel", source.ErrChannel, eInvalid},
	{"fit.ErrModel", fit.ErrModel, eInvalid},
	{"fit.ErrShape", fit.ErrShape, eInvalid},
	{"fit.ErrUnits", fit.ErrUnits, eInvalid},
	{"source.ErrFormat", source.ErrFormat, eInvalid},
	{"npy.ErrFormat", npy.ErrFormat, eInvalid},
	{"fs.ErrNotExist", fs.ErrNotExist, eIO},
	{"fs.ErrPermission", fs.ErrPermission, eIO},
	{"fs.ErrExist", fs.ErrExist, eIO},
	{"fs.ErrClosed", fs.ErrClosed, eIO},
	{"fs.ErrInvalid", fs.ErrInvalid, eIO},
}

// internalSentinels are the sentinels of core/internal packages, which capi
// cannot import; each must reach capi wrapped in the public sentinel named
// here (checked by core's own tests of that wrapping).
var internalSentinels = map[string]string{
	"cuda.ErrUnavailable": "pcf.ErrNoDevice",
	"cuda.ErrCancelled":   "pcf.ErrCancelled", // (the GPU path returns pcf.ErrCancelled for it: TestEmulatedGPU/cancel)
	"sysmem.ErrMemory":    "pcf.ErrMemory",    // the same error: pcf.ErrMemory is sysmem.ErrMemory
}

// statusOf maps an error to its status: an apiError's own code, a worker's
// panic to IPCF_E_INTERNAL, then the table, then file-system errors
// (IPCF_E_IO). Anything else is IPCF_E_INVALID_ARGUMENT: core reports data
// problems as errors and bugs as panics.
func statusOf(err error) status {
	var ae *apiError
	var pe *pool.PanicError
	switch {
	case errors.As(err, &ae):
		return ae.code
	case errors.As(err, &pe):
		return eInternal
	}
	if job.StorageFault(err) {
		// An input or output the system failed to read or write, whatever
		// error of the job wraps it (job.ErrInput's "bad input: read ...:
		// input/output error" was IPCF_E_INVALID_ARGUMENT, IpcfValueError:
		// FAULT12's F3)
		return eIO
	}
	for _, e := range statusTable {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	if isIOError(err) {
		return eIO
	}
	return eInvalid
}

// finish maps an error to a status and records its message. A worker's
// fault in a mapping of a file (an array of the call memory-mapped from a
// file truncated while it was read) is IPCF_E_IO with a message saying
// so; one in no readable mapping (beyond a nil pointer's first 64 KiB) is
// a caller's array reaching past its memory: IPCF_E_INVALID_ARGUMENT; a
// fault elsewhere stays a bug (IPCF_E_INTERNAL, with its stack).
func finish(fn string, err error) status {
	if err == nil {
		return ok
	}
	if addr, isFault := pool.FaultAddr(err); isFault {
		if e := faultError(addr); e != nil {
			err = e
		}
	}
	code := statusOf(err)
	setError(fn, err.Error())
	return code
}

// faultError is the error of a fault at addr in the caller's memory, a
// worker's (finish) or the calling goroutine's (guard): an output in
// read-only memory, a file cut short under its mapping, or an array
// reaching past its buffer; nil for any other fault (a nil pointer's: a
// bug).
func faultError(addr uintptr) error {
	switch {
	case pcf.ReadOnly(addr):
		return fail(eInvalid, "the memory of an output of the call cannot be written at %#x: an output array, or a scalar output's pointer, in read-only memory", addr)
	case pcf.InFileMapping(addr):
		return unreadable(addr)
	case pcf.Unmapped(addr):
		// The library's own memory is always mapped: a caller's array
		// reaches past its buffer (or was freed during the call).
		// (Also a string without its NUL or a wrong pointer to a struct:
		// the message named arrays alone, for calls that take none:
		// CAPI14's F8.)
		return fail(eInvalid, "the memory of an argument of the call cannot be read at %#x: an array's descriptor reaching past its buffer (its shape, strides or offset), a string without its terminating NUL, a wrong or freed pointer, or memory freed during the call", addr)
	}
	return nil
}

// unreadable is the error of a fault at addr, in a mapping of a file:
// source.ErrChanged's status, in words that fit an output as well as an
// input (HOSTS14's M3: an output memmap cut short was called "input").
func unreadable(addr uintptr) error {
	return changedError(fmt.Sprintf("a file changed during the call: the memory of an array of the call became unreadable (a memory-mapped input or output file truncated or replaced?): fault at %#x", addr))
}

// changedError is source.ErrChanged under words of its own.
type changedError string

func (e changedError) Error() string { return string(e) }
func (changedError) Unwrap() error   { return source.ErrChanged }
