package main

/*
#include <stdlib.h>
#include "ipcf.h"
typedef const ipcf_source_options ipcf_csource_options;
typedef const ipcf_job_options ipcf_cjob_options;
typedef const ipcf_pcf_options ipcf_cpcf_options;
typedef const char ipcf_cchar;
int ipcf_call_job_progress(ipcf_job_progress_fn f, void *user, const char *phase, int64_t done, int64_t total);
void ipcf_call_log(ipcf_job_log_fn f, void *user, const char *msg);
int ipcf_pcf_nested(void);
*/
import "C"

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"math"
	"os"
	"runtime/debug"
	"slices"
	"syscall"
	"time"
	"unsafe"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/source"
)

// isIOError reports file-system errors (missing, unreadable, disk full).
func isIOError(err error) bool {
	var pe *fs.PathError
	var le *os.LinkError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &le) || errors.As(err, &errno)
}

// specialFile refuses a path that names a FIFO, socket or device: opening a
// FIFO for reading blocks until a writer comes, so it would hang the call.
// A missing path is left to the job (IPCF_E_IO or a new output).
func specialFile(name, path string) error {
	if path == "" {
		return fail(eInvalid, "%s is empty", name)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil
	}
	m := fi.Mode()
	kind := ""
	switch {
	case m&fs.ModeNamedPipe != 0:
		kind = "FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		kind = "socket"
	case m&(fs.ModeDevice|fs.ModeCharDevice) != 0:
		kind = "device"
	case m&fs.ModeIrregular != 0:
		kind = "special file"
	default:
		return nil
	}
	return fail(eIO, "%s %q is a %s, not a file or folder", name, path, kind)
}

// lowStrings refuses a string of a struct (named what) below 64 KiB
// (lowPointer), in the order of the fields' names.
func lowStrings(what string, fields map[string]*C.ipcf_cchar) error {
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		if err := lowPointer(what+"."+k, unsafe.Pointer(fields[k])); err != nil {
			return err
		}
	}
	return nil
}

func goString(p *C.ipcf_cchar) string {
	if p == nil {
		return ""
	}
	return C.GoString((*C.char)(unsafe.Pointer(p)))
}

// optStrings refuses an option string that is set but empty: NULL is the
// default, and "" (an unset variable of the host) must not silently mean it
// (a mask path "" ran without the mask), as the CLI refuses empty values.
func optStrings(what string, m map[string]*C.ipcf_cchar) error {
	for _, name := range []string{"format", "crop", "frames", "mask", "memory", "scratch", "engine"} {
		if p, ok := m[name]; ok && p != nil && *p == 0 {
			return fail(eInvalid, "%s.%s is \"\" (an empty string): give NULL for the default, or a value", what, name)
		}
	}
	return nil
}

//export ipcfgo_source_options_init
func ipcfgo_source_options_init(o *C.ipcf_source_options) {
	if o == nil {
		return
	}
	*o = C.ipcf_source_options{struct_size: C.uint32_t(unsafe.Sizeof(*o)), raw_dtype: C.IPCF_DTYPE_UINT16,
		raw_byte_order: C.IPCF_ORDER_LITTLE}
}

//export ipcfgo_job_options_init
func ipcfgo_job_options_init(o *C.ipcf_job_options) {
	if o == nil {
		return
	}
	*o = C.ipcf_job_options{struct_size: C.uint32_t(unsafe.Sizeof(*o))}
}

var dtypeByCode = map[C.uint32_t]array.DType{
	C.IPCF_DTYPE_UINT8: array.Uint8, C.IPCF_DTYPE_UINT16: array.Uint16, C.IPCF_DTYPE_INT16: array.Int16,
	C.IPCF_DTYPE_INT32: array.Int32, C.IPCF_DTYPE_FLOAT32: array.Float32, C.IPCF_DTYPE_FLOAT64: array.Float64,
}

// sourceInput converts the C input description into a job input.
func sourceInput(path string, co *C.ipcf_csource_options, spec *job.Spec) error {
	spec.Input.Path = path
	if co == nil {
		return nil
	}
	var d C.ipcf_source_options
	ss := co.struct_size
	if err := checkSize("source", ss, unsafe.Sizeof(d), "ipcf_source_options_init"); err != nil {
		return err
	}
	if has(ss, unsafe.Offsetof(d.format), 8) {
		if err := lowStrings("source", map[string]*C.ipcf_cchar{"format": co.format}); err != nil {
			return err
		}
		if err := optStrings("source", map[string]*C.ipcf_cchar{"format": co.format}); err != nil {
			return err
		}
		spec.Input.Format = goString(co.format)
	}
	if has(ss, unsafe.Offsetof(d.raw_offset), 8) {
		sh := co.raw_shape
		if sh[0] != 0 || sh[1] != 0 || sh[2] != 0 || spec.Input.Format == "raw" {
			for i, v := range sh {
				if v < 1 || v > 1<<40 {
					return fail(eInvalid, "source.raw_shape[%d]=%d, want 1 to 2^40 for raw input", i, v)
				}
			}
			dt, ok := dtypeByCode[co.raw_dtype]
			if !ok {
				return fail(eLayout, "source.raw_dtype=%d is not an IPCF_DTYPE_*", co.raw_dtype)
			}
			var bo array.ByteOrder
			switch co.raw_byte_order {
			case C.IPCF_ORDER_LITTLE:
				bo = array.Little
			case C.IPCF_ORDER_BIG:
				bo = array.Big
			case C.IPCF_ORDER_NATIVE:
				bo = array.NativeOrder
			default:
				return fail(eLayout, "source.raw_byte_order=%d is not an IPCF_ORDER_*", co.raw_byte_order)
			}
			if co.raw_offset < 0 || co.raw_offset > 1<<50 {
				return fail(eInvalid, "source.raw_offset=%d, want 0 to 2^50 bytes", co.raw_offset)
			}
			// (the format stays as given: "auto" or none with a raw
			// shape refuses a .npy or TIFF, whose bytes would be read as
			// raw, its header ignored: READERS13's F6)
			spec.Input.Raw = source.Raw{T: int(sh[0]), H: int(sh[1]), W: int(sh[2]), DType: dt, Order: bo, Offset: int(co.raw_offset)}
		}
	}
	if has(ss, unsafe.Offsetof(d.mask), 8) {
		if err := lowStrings("source", map[string]*C.ipcf_cchar{"crop": co.crop, "frames": co.frames, "mask": co.mask}); err != nil {
			return err
		}
		if err := optStrings("source", map[string]*C.ipcf_cchar{"crop": co.crop, "frames": co.frames, "mask": co.mask}); err != nil {
			return err
		}
		spec.Input.Crop = goString(co.crop)
		spec.Input.Frames = goString(co.frames)
		spec.Mask = goString(co.mask)
	}
	if has(ss, unsafe.Offsetof(d.channel2), 4) { // since 0.3
		if co.channel < 0 || co.channel2 < 0 {
			return fail(eInvalid, "source.channel=%d, channel2=%d: want 0 (none) or a channel number from 1, as in ImageJ", co.channel, co.channel2)
		}
		spec.Input.Channel, spec.Channel2 = int(co.channel), int(co.channel2)
	}
	return nil
}

// jobOptions converts the C job options.
func jobOptions(co *C.ipcf_cjob_options, spec *job.Spec, fallback func(int, int) bool, cancelled func() bool, cleanup *func()) error {
	if co == nil {
		if fallback != nil {
			spec.Progress = func(_ string, done, total int) bool { return fallback(done, total) }
		}
		return nil
	}
	var d C.ipcf_job_options
	ss := co.struct_size
	if err := checkSize("job", ss, unsafe.Sizeof(d), "ipcf_job_options_init"); err != nil {
		return err
	}
	if has(ss, unsafe.Offsetof(d.tile_cols), 4) {
		if co.tile_rows < 0 || co.tile_cols < 0 || (co.tile_rows == 0) != (co.tile_cols == 0) {
			return fail(eInvalid, "job.tile_rows=%d, tile_cols=%d: want both positive or both 0", co.tile_rows, co.tile_cols)
		}
		spec.Tile = [2]int{int(co.tile_rows), int(co.tile_cols)}
	}
	if has(ss, unsafe.Offsetof(d.engine), 8) {
		if err := lowStrings("job", map[string]*C.ipcf_cchar{"memory": co.memory, "scratch": co.scratch, "engine": co.engine}); err != nil {
			return err
		}
		if err := optStrings("job", map[string]*C.ipcf_cchar{"memory": co.memory, "scratch": co.scratch, "engine": co.engine}); err != nil {
			return err
		}
		if m := goString(co.memory); m != "" {
			v, err := job.ParseSize(m)
			if err != nil {
				return fail(eInvalid, "the memory budget (job.memory; Memory, memory= in the hosts): %v", err)
			}
			spec.Memory = v
		}
		spec.Scratch = goString(co.scratch)
		spec.Engine = goString(co.engine)
	}
	if has(ss, unsafe.Offsetof(d.pixel_size), 8) {
		spec.FrameInterval, spec.PixelSize = float64(co.frame_interval), float64(co.pixel_size)
		if !(spec.FrameInterval >= 0) || !(spec.PixelSize >= 0) || math.IsInf(spec.FrameInterval, 1) || math.IsInf(spec.PixelSize, 1) {
			return fail(eInvalid, "job.frame_interval=%g, pixel_size=%g: want finite and >= 0", spec.FrameInterval, spec.PixelSize)
		}
	}
	if has(ss, unsafe.Offsetof(d.segments), 4) { // since 0.3
		e, err := jobErrors(co.errors, co.segments)
		if err != nil {
			return err
		}
		spec.Errors = e
	}
	if has(ss, unsafe.Offsetof(d.copy_input), 4) {
		if co.copy_input != 0 && co.copy_input != 1 {
			return fail(eInvalid, "job.copy_input=%d, want 0 or 1", co.copy_input)
		}
		spec.CopyInput = co.copy_input == 1
	}
	var fn C.ipcf_job_progress_fn
	var user unsafe.Pointer
	if has(ss, unsafe.Offsetof(d.progress_user), 8) {
		fn, user = co.progress, co.progress_user
	}
	if err := lowCallback("job.progress", unsafe.Pointer(fn)); err != nil {
		return err
	}
	if has(ss, unsafe.Offsetof(d.log_user), 8) {
		if err := lowCallback("job.log", unsafe.Pointer(co.log)); err != nil {
			return err
		}
	}
	switch {
	case fn != nil:
		phases := map[string]*C.char{}
		*cleanup = func() {
			for _, p := range phases {
				C.free(unsafe.Pointer(p))
			}
		}
		spec.Progress = func(phase string, done, total int) bool {
			if cancelled() {
				return false
			}
			cp := phases[phase]
			if cp == nil {
				cp = C.CString(phase)
				phases[phase] = cp
			}
			return C.ipcf_call_job_progress(fn, user, cp, C.int64_t(done), C.int64_t(total)) == 0
		}
	case fallback != nil:
		spec.Progress = func(_ string, done, total int) bool { return fallback(done, total) }
	}
	if has(ss, unsafe.Offsetof(d.log_user), 8) && co.log != nil {
		lf, lu := co.log, co.log_user
		spec.Log = func(msg string) {
			cs := C.CString(msg)
			C.ipcf_call_log(lf, lu, cs)
			C.free(unsafe.Pointer(cs))
		}
	}
	return nil
}

// jobErrors converts ipcf_job_options.errors and segments (since 0.3) into
// Spec.Errors: nil for IPCF_JOB_ERRORS_NONE. Whether the output is a .npy
// file and the segments fit the frames used is checked by job.Open.
func jobErrors(method, segments C.int32_t) (*pcf.ErrOptions, error) {
	var name string
	switch method {
	case C.IPCF_JOB_ERRORS_NONE:
	case C.IPCF_JOB_ERRORS_BLOCKING:
		name = "blocking"
	case C.IPCF_JOB_ERRORS_SEGMENTS:
		name = "segments"
	default:
		return nil, fail(eInvalid, "job.errors=%d: want IPCF_JOB_ERRORS_NONE (0), _BLOCKING (1) or _SEGMENTS (2)", method)
	}
	if segments < 0 || (segments != 0 && method != C.IPCF_JOB_ERRORS_SEGMENTS) {
		return nil, fail(eInvalid, "job.segments=%d with job.errors=%d: want 0, or 2 .. the frames used with IPCF_JOB_ERRORS_SEGMENTS (0: 8)", segments, method)
	}
	e, err := job.ParseErrors(name, int(segments), segments != 0)
	if err != nil {
		return nil, fail(eInvalid, "job.errors=%d, segments=%d: %v", method, segments, err)
	}
	return e, nil
}

//export ipcfgo_pcf_file
func ipcfgo_pcf_file(input *C.ipcf_cchar, src *C.ipcf_csource_options, output *C.ipcf_cchar,
	co *C.ipcf_cpcf_options, jo *C.ipcf_cjob_options, summary *C.ipcf_job_summary) (st status) {
	const fn = "ipcf_pcf_file"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	return finish(fn, func() error {
		if input == nil || output == nil {
			return fail(eInvalid, "input or output is NULL")
		}
		if summary != nil && (summary.struct_size < 4 || uintptr(summary.struct_size) > unsafe.Sizeof(*summary)) {
			return fail(eInvalid, "summary.struct_size=%d, want 4..%d (set it to sizeof(ipcf_job_summary))", summary.struct_size, unsafe.Sizeof(*summary))
		}
		if err := specialFile("input", goString(input)); err != nil {
			return err
		}
		if err := specialFile("output", goString(output)); err != nil {
			return err
		}
		spec := job.DefaultSpec()
		o, err := pcfOptions((*C.ipcf_pcf_options)(unsafe.Pointer(co)))
		if err != nil {
			return err
		}
		// The pCF options' progress and token cancel the job too.
		prog := o.Progress
		spec.PCF = o
		spec.PCF.Progress = nil
		if o.Mask != nil {
			spec.MaskView = o.Mask
			spec.PCF.Mask = nil
		}
		if err := sourceInput(goString(input), src, &spec); err != nil {
			return err
		}
		if spec.Mask != "" {
			spec.MaskView = nil
		}
		var fallback func(int, int) bool = prog
		cancelled := func() bool { return tokenCancelled(co) }
		cleanup := func() {}
		defer func() { cleanup() }()
		if err := jobOptions(jo, &spec, fallback, cancelled, &cleanup); err != nil {
			return err
		}
		spec.Output = goString(output)
		j, err := job.Open(spec)
		if err != nil {
			return err
		}
		defer j.Close()
		// A cancelled token stops a long tile between progress calls.
		ctx, cancel := tokenContext(co)
		defer cancel()
		sum, err := j.Run(ctx)
		if summary != nil {
			var d C.ipcf_job_summary
			ss := summary.struct_size
			g := j.Geometry()
			if has(ss, unsafe.Offsetof(d.shape), 32) {
				for i, v := range g.OutShape {
					summary.shape[i] = C.int64_t(v)
				}
			}
			if has(ss, unsafe.Offsetof(d.engine), 4) {
				summary.engine = C.IPCF_ENGINE_MEMORY
				if sum.Engine == "ooc" {
					summary.engine = C.IPCF_ENGINE_OOC
				}
			}
			if has(ss, unsafe.Offsetof(d.input_crc32c), 4) {
				summary.tiles, summary.resumed = C.int32_t(sum.Tiles), C.int32_t(sum.Resumed)
				summary.already_complete = 0
				if sum.AlreadyComplete {
					summary.already_complete = 1
				}
				summary.input_crc32c = C.uint32_t(sum.InputCRC)
			}
			if has(ss, unsafe.Offsetof(d.read_in_place), 4) {
				summary.read_in_place = 0
				if sum.InPlace {
					summary.read_in_place = 1
				}
			}
		}
		return err
	}())
}

// tokenContext is a context cancelled soon after the options' token is
// (polled every 50 ms), for the work that watches a context rather than
// its progress function: a file job's tiles, the GPU's launches within a
// block (whose progress is called only between blocks: GPU15's F1, a
// cancel waited for the whole block). Call cancel when the work is done.
func tokenContext(co *C.ipcf_cpcf_options) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	if C.ipcf_pcf_nested() != 0 {
		// A pCF from a callback of this thread's pCF: it never waits
		// for a GPU that call may hold (CAPI17's F1).
		ctx = pcf.WithoutGPUWait(ctx)
	}
	// The token's handle is read here, once: the poll never reads the
	// caller's options, which may be freed as soon as the call returns
	// (REVIEW15's minor: the poll read them until it saw the end).
	f := optionsToken(co)
	if f == nil {
		return ctx, cancel
	}
	go func() {
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if f.Load() {
					cancel()
					return
				}
			}
		}
	}()
	return ctx, cancel
}

// optionsToken is the options' token, or nil where they carry none (or
// an unknown one, which the call's own check refuses).
func optionsToken(co *C.ipcf_cpcf_options) *cToken {
	var d C.ipcf_pcf_options
	if co == nil || !has(co.struct_size, unsafe.Offsetof(d.token), 8) || co.token == 0 {
		return nil
	}
	f, err := tokenFlag(co.token)
	if err != nil {
		return nil
	}
	return f
}

// tokenCancelled reports whether the options' token was cancelled.
func tokenCancelled(co *C.ipcf_cpcf_options) bool {
	f := optionsToken(co)
	return f != nil && f.Load()
}

//export ipcfgo_unit_scale
func ipcfgo_unit_scale(unit *C.ipcf_cchar, kind C.int32_t, scale *C.double) (st status) {
	const fn = "ipcf_unit_scale"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if unit == nil || scale == nil {
		return finish(fn, fail(eInvalid, "unit and scale must not be NULL"))
	}
	var f float64
	var known bool
	switch name := goString(unit); kind {
	case C.IPCF_UNIT_LENGTH:
		f, known = source.LengthUnit(name)
	case C.IPCF_UNIT_TIME:
		f, known = source.TimeUnit(name)
	default:
		return finish(fn, fail(eInvalid, "kind=%d, want IPCF_UNIT_LENGTH (0) or IPCF_UNIT_TIME (1)", int32(kind)))
	}
	if !known {
		f = 0
	}
	*scale = C.double(f)
	return ok
}

//export ipcfgo_file_units
func ipcfgo_file_units(path *C.ipcf_cchar, pixelSize, frameInterval *C.double, note *C.char, n C.size_t) (st status) {
	const fn = "ipcf_file_units"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if path == nil || pixelSize == nil || frameInterval == nil || (note == nil && n > 0) {
		return finish(fn, fail(eInvalid, "path, pixel_size or frame_interval is NULL, or note is NULL with len %d", uint64(n)))
	}
	name := goString(path)
	if name == "" {
		return finish(fn, fail(eInvalid, "path is empty"))
	}
	// the first channel: every channel of a file has its units
	src, err := source.OpenChannel(name, 0)
	if err != nil {
		return finish(fn, err)
	}
	defer src.Close()
	fi, ps, notes := job.UsedUnits(job.InputUnits(src, name), 0, 0)
	*pixelSize, *frameInterval = C.double(ps), C.double(fi)
	if n == 0 {
		return ok
	}
	text := ""
	for i, s := range notes {
		if i > 0 {
			text += "\n"
		}
		text += s
	}
	return copyText(fn, note, n, text)
}

//export ipcfgo_square_pixels
func ipcfgo_square_pixels(width, height C.double, square *C.int32_t) (st status) {
	const fn = "ipcf_square_pixels"
	defer guard(fn, &st, debug.SetPanicOnFault(true))
	if square == nil {
		return finish(fn, fail(eInvalid, "square must not be NULL"))
	}
	*square = 0
	if source.SquarePixels(float64(width), float64(height)) {
		*square = 1
	}
	return ok
}
