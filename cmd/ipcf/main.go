// Command ipcf runs image pair correlation function (pCF) analysis on
// image time series stored as .npy files.
//
//	ipcf pcf IN.npy -o OUT.npy|OUT.zarr|OUT.ome.zarr|OUT.tif [--radius 6] [--npoints 32] [--nbins 32] [--bleach F]
//	         [--bleach-mean real|floor] [--mask M.npy] [--threads N]
//	         [--preset circle|disk|line | --offsets "u,v;..."|FILE | --acf] [--bins log|linear|multitau]
//	         [--m 16] [--smooth 0.7] [--threshold T] [--delta] [--input2 IN2]
//	         [--channel N] [--channel2 N] [--errors blocking|segments [--segments S]]
//	ipcf bleach IN.npy -o OUT.npy [--filtersize F] [--bleach-mean real|floor]
//	ipcf simulate -o OUT.npy [--frames 32000] [--size 64] [--seed 1] [--bleach-tau T]
//	ipcf convolve IMAGE.npy KERNEL.npy -o OUT.npy
//	ipcf fit RESULT.npy -o MAPS.npy|MAPS.zarr|MAPS.tif [--model pcf1d|acf2d|acf3d|ccf2d|itir]
//	ipcf plot RESULT.npy -o FIG.png [--point I --bin J | --pixel Y,X] | --mean INPUT
//	ipcf plot MAPS.npy|MAPS.zarr -o FIG.png [--param D] [--offset K]
//	ipcf version
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ipcf/ipcf/core/array"
	"github.com/ipcf/ipcf/core/bleach"
	"github.com/ipcf/ipcf/core/conv"
	"github.com/ipcf/ipcf/core/job"
	"github.com/ipcf/ipcf/core/npy"
	"github.com/ipcf/ipcf/core/ooc"
	"github.com/ipcf/ipcf/core/pcf"
	"github.com/ipcf/ipcf/core/pool"
	"github.com/ipcf/ipcf/core/simulate"
	"github.com/ipcf/ipcf/core/source"
)

// Version is the program version, the library's.
const Version = job.Version

const usage = `usage:
  ipcf pcf INPUT -o OUT.npy|OUT.zarr|OUT.ome.zarr|OUT.tif [--radius 6] [--npoints 32] [--nbins 32] [--bleach F]
           [--bleach-mean real|floor] [--mask M.npy] [--threads N] [--memory SIZE] [--scratch DIR] [--copy-input]
           [--engine auto|memory|ooc] [--tile ROWS,COLS] [--crop y0:y1,x0:x1] [--frames a:b]
           [--device auto|cpu|cuda|cuda:N] [--frame-interval S] [--pixel-size UM] [--quiet] [--json]
           toolkit: [--preset circle|disk|line | --offsets "u,v;u,v;..."|FILE | --acf]
           [--bins log|linear|multitau] [--m 16] [--smooth 0.7] [--threshold T] [--delta] [--input2 IN2]
           [--channel N] [--channel2 N] [--errors blocking|segments [--segments 8]]
           (a 2-D (time, x) .npy is a line scan with --preset line or offsets of v = 0;
           --channel N reads channel N (from 1, as ImageJ) of a multi-channel ImageJ or OME-TIFF,
           --channel2 N makes channel N of the input (or of IN2) the second channel;
           --errors writes the error bars of every curve point beside OUT.npy: OUT.sd.npy)
  ipcf bleach INPUT -o OUT.npy [--filtersize F (1024)] [--bleach-mean real|floor] [--channel N] [--crop y0:y1,x0:x1]
              [--frames a:b] [--format F] [--threads N] [--quiet] [--json]
  INPUT: .npy, .tif (multi-page, BigTIFF, ImageJ), a folder or glob of single-page TIFFs,
         or raw with --shape T,H,W [--dtype uint16] [--byteorder little|big|native] [--offset BYTES]
  ipcf simulate -o OUT.npy [--frames 32000] [--size 64] [--seed 1] [--bleach-tau T] [--particles 200]
              [--diffusion 0.5] [--channel-width 4] [--threads N] [--quiet] [--json]
  ipcf convolve IMAGE.npy KERNEL.npy -o OUT.npy
  ipcf fit RESULT.npy -o MAPS.npy|MAPS.zarr|MAPS.tif [--model pcf1d|acf2d|acf3d|ccf2d|itir] [--waist W | --waist-um W] [--joint]
           [--flow] [--ginf] [--kappa K (acf3d)] [--pixel-size UM] [--frame-interval S]
           [--sigma SD.npy | --no-sigma] [--threads N] [--quiet] [--json]
           (weighted by RESULT.sd.npy when the result has error bars)
  ipcf plot RESULT.npy -o FIG.png [--point I --bin J | --pixel Y,X] [--width W --height H]
  ipcf plot MAPS.npy|MAPS.zarr -o FIG.png [--param D|...|chisq|status] [--offset K]
  ipcf plot --mean INPUT -o FIG.png [input options of pcf; raw --offset is --raw-offset]
  ipcf devices
  ipcf version
  ipcf help COMMAND     (or ipcf COMMAND --help): a command's flags with their defaults
exit status: 0 done, 1 refused input or failed run, 2 usage, 70 a bug, 130 interrupted (SIGINT), 143 terminated (SIGTERM),
  129 SIGHUP, 131 SIGQUIT, 141 stdout's reader quit (SIGPIPE)
`

func main() {
	var stdout io.Writer = os.Stdout
	if stdoutClosedAtStart() {
		// Writes there would vanish into the runtime's /dev/null: they
		// fail instead, as they would in a C program.
		stdout = closedStdout{}
	}
	os.Exit(run(os.Args[1:], stdout, os.Stderr))
}

// errStdoutClosed is the error of a write to a stdout the process was
// started without.
var errStdoutClosed = errors.New("standard output is closed (started with >&-): nowhere to write the output")

// closedStdout stands for a standard output that was closed at start.
type closedStdout struct{}

func (closedStdout) Write([]byte) (int, error) { return 0, errStdoutClosed }

// usageError is a command-line mistake: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// helpError asks for a command's flags (-h, --help): printed, exit status 0.
type helpError struct{ fs *flag.FlagSet }

// runState is what a command tells run about itself: whether its outcome
// goes to stdout as JSON (--json).
type runState struct {
	json bool
	cmd  string
}

type runStateKey struct{}

// stateOf returns the run's state (a fresh one outside run).
func stateOf(ctx context.Context) *runState {
	if rs, ok := ctx.Value(runStateKey{}).(*runState); ok {
		return rs
	}
	return &runState{}
}

func (e helpError) Error() string { return "help requested" }

// exitInternal is the exit status of a bug (a recovered panic): never 0,
// never mistaken for bad input (1) or usage (2).
const exitInternal = 70

func run(args []string, stdout, stderr io.Writer) (code int) {
	var lastError string // the message of a failed run, for --json
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "ipcf %s: internal error (a bug in ipcf, please report it with the command line): %v\n", args[0], r)
			code = exitInternal
		}
	}()
	ctx, stop, signalled := interruptible(stderr)
	defer stop()
	rs := &runState{cmd: args[0]}
	// Set before the flags are parsed: a usage error is reported as JSON
	// too. Spelled as the flag parser takes it: the last one counts, and
	// --json=1, =t, =TRUE are true (CLI11's F1: they printed no JSON for
	// a usage error); files follow "--".
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		name, v, hasV := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "json" {
			continue
		}
		if !hasV {
			rs.json = true
		} else if b, err := strconv.ParseBool(v); err == nil {
			rs.json = b
		}
	}
	ctx = context.WithValue(ctx, runStateKey{}, rs)
	if _, closed := stdout.(closedStdout); closed && rs.json {
		// Refused before any work: the outcome could not be told.
		fmt.Fprintf(stderr, "ipcf %s: --json: %v\n", args[0], errStdoutClosed)
		return 1
	}
	defer func() {
		if code != 0 && rs.json {
			// The outcome as JSON too: the message is on stderr.
			writeJSON(stdout, map[string]any{"command": rs.cmd, "ok": false, "exit_code": code, "error": lastError})
		}
	}()
	var err error
	switch args[0] {
	case "pcf":
		err = cmdPCF(ctx, args[1:], stdout, stderr)
	case "bleach":
		err = cmdBleach(ctx, args[1:], stdout, stderr)
	case "simulate":
		err = cmdSimulate(ctx, args[1:], stdout, stderr)
	case "convolve":
		err = cmdConvolve(ctx, args[1:], stdout, stderr)
	case "plot":
		err = cmdPlot(ctx, args[1:], stdout, stderr)
	case "fit":
		err = cmdFit(ctx, args[1:], stdout, stderr)
	case "devices":
		if err = noFlags("devices", args[1:]); err == nil {
			_, err = fmt.Fprintln(stdout, pcf.Devices())
		}
	case "version", "--version":
		if err = noFlags("version", args[1:]); err == nil {
			_, err = fmt.Fprintf(stdout, "ipcf %s (fft: %s)\n", Version, pcf.FFTBackend)
		}
	case "help", "-h", "--help":
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") && args[1] != "help" {
			// ("" is no command: REVIEW14's m4)
			if _, ok := helps[args[1]]; !ok {
				err = usageError{fmt.Sprintf("help: unknown command %q", args[1])}
				break
			}
			if len(args) > 2 {
				// (ignored, exit 0: TOOLS14's m4)
				err = usageError{fmt.Sprintf("help: one command at a time, got %q", args[1:])}
				break
			}
			return run([]string{args[1], "--help"}, stdout, stderr)
		}
		if _, err = fmt.Fprint(stdout, usage); err == nil {
			return 0
		}
	default:
		err = usageError{fmt.Sprintf("unknown command %q", args[0])}
	}
	if err == nil {
		return 0
	}
	lastError = err.Error()
	if errors.Is(err, syscall.EPIPE) {
		// Its output's reader quit (ipcf ... --json | head -c 10): the
		// shell's status for a process SIGPIPE ended, after the cleanup.
		fmt.Fprintf(stderr, "ipcf %s: %v\n", args[0], err)
		return 128 + int(syscall.SIGPIPE)
	}
	if sig := signalled(); sig != 0 && !errors.As(err, new(usageError)) && !errors.As(err, new(helpError)) {
		// Cancelled by a signal (the command stopped at its next check and
		// cleaned up): the shell's status for a process the signal ended.
		why := err.Error()
		if err == pcf.ErrCancelled || err == context.Canceled {
			// the bare cancellation (pcf's, which bleach's input check
			// also returns: "ipcf bleach: ... pcf: cancelled", a campaign)
			why = "cancelled"
		}
		fmt.Fprintf(stderr, "ipcf %s: interrupted (%v): %s\n", args[0], sig, why)
		lastError = fmt.Sprintf("interrupted (%v): %s", sig, why)
		return 128 + int(sig)
	}
	// A usage mistake, or an invalid option value or one that does not
	// fit the input (offsets beyond the image, a second channel of another
	// shape, a --memory too small out of core): the message as every
	// other of a command ("ipcf pcf: ..."), then the command's synopsis.
	var ue usageError
	if _, known := helps[args[0]]; (errors.As(err, &ue) && known) || job.Usage(err) {
		fmt.Fprintf(stderr, "ipcf %s: %s\n%s", args[0], strings.TrimPrefix(err.Error(), args[0]+": "), usageOf(args[0]))
		return 2
	}
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "ipcf: %v\n%s", err, usage) // an unknown command
		return 2
	}
	var he helpError
	if errors.As(err, &he) {
		if err := printHelp(stdout, he.fs); err != nil {
			lastError = err.Error()
			fmt.Fprintf(stderr, "ipcf %s: %v\n", args[0], err)
			if errors.Is(err, syscall.EPIPE) { // its reader quit (ipcf help pcf | head): as for every command
				return 128 + int(syscall.SIGPIPE)
			}
			return 1
		}
		lastError = ""
		return 0
	}
	var pe *pool.PanicError
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "ipcf %s: internal error (a bug in ipcf, please report it with the command line): %v\n", args[0], err)
		return exitInternal
	}
	fmt.Fprintf(stderr, "ipcf %s: %v\n", args[0], err)
	return 1
}

// stopSignals stop a command cleanly (interruptible): Ctrl+C, kill, the
// terminal or session closed (SIGHUP), Ctrl+\ (SIGQUIT).
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// interruptible returns a context cancelled by the first of stopSignals:
// the command stops at its next check and cleans up (its locks), and the
// run exits with 128 + the signal's number (130 for SIGINT, 143 for
// SIGTERM, 129 for SIGHUP, 131 for SIGQUIT), as a shell reports a process
// the signal ended. A SIGHUP or SIGINT the process was started ignoring
// (nohup's SIGHUP, a script's background job's SIGINT) stays ignored (Go
// tells only those two apart). A second signal (but a repeated SIGHUP: a
// closed terminal sends two) exits at once with that status, for a
// command blocked in a system call; every job survives being killed at
// any instruction. signalled
// returns the first signal, or 0. A write to a closed pipe (stdout read by
// a program that quit) is an error, EPIPE, instead of the end of the
// process: run exits 141 after the command cleaned up.
func interruptible(stderr io.Writer) (ctx context.Context, stop func(), signalled func() syscall.Signal) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	var sigs []os.Signal
	for _, s := range stopSignals {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) > 0 { // Notify of none would pass on every signal
		signal.Notify(ch, sigs...)
	}
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	done := make(chan struct{})
	var first atomic.Int32
	go func() {
		select {
		case s := <-ch:
			if sig, ok := s.(syscall.Signal); ok {
				first.Store(int32(sig))
			}
			cancel()
		case <-done:
			return
		}
		for {
			select {
			case s := <-ch:
				if s == syscall.SIGHUP {
					// A closed terminal sends it twice (the shell, then
					// the kernel): not a second, urgent request.
					continue
				}
				fmt.Fprintln(stderr, "\nipcf: interrupted again: exiting now")
				os.Exit(128 + int(first.Load()))
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
			signal.Stop(ch)
			signal.Stop(pipe)
			close(done)
			cancel()
		}, func() syscall.Signal {
			return syscall.Signal(first.Load())
		}
}

// noFlags refuses arguments to a command that takes none but --help.
func noFlags(name string, args []string) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	_, err := parse(fs, args, 0)
	return err
}

// endsOptions reports whether the arguments that fs.Parse consumed end
// with the terminator "--" (not the value of a flag: --mask --).
func endsOptions(fs *flag.FlagSet, consumed []string) bool {
	n := len(consumed)
	if n == 0 || consumed[n-1] != "--" {
		return false
	}
	if n >= 2 && strings.HasPrefix(consumed[n-2], "-") && !strings.Contains(consumed[n-2], "=") {
		if f := fs.Lookup(strings.TrimPrefix(consumed[n-2][1:], "-")); f != nil {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				return false // (the flag's value)
			}
		}
	}
	return true
}

// parse parses flags placed before or after the positional arguments.
func parse(fs *flag.FlagSet, args []string, npos int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	dashed := 0 // the files after "--", where one ends the options
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpError{fs}
			}
			return nil, usageError{flagError(fs.Name(), err)}
		}
		rest := fs.Args()
		if endsOptions(fs, args[:len(args)-len(rest)]) {
			// Everything after "--" is a file, as POSIX has it: only
			// the next was (CLI11's F2: a file -k.npy after another
			// was read as the flag --k.npy).
			pos = append(pos, rest...)
			dashed = len(rest)
			break
		}
		args = rest
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	// A string option left without its value takes the next flag as it
	// (--mean -o FIG.png): say so, rather than that -o is missing.
	var swallowed error
	fs.Visit(func(f *flag.Flag) {
		g, ok := f.Value.(flag.Getter)
		if !ok || swallowed != nil {
			return
		}
		v, ok := g.Get().(string)
		if !ok || !strings.HasPrefix(v, "-") {
			return
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(v, "-"), "-"), "=")
		if name == "h" || name == "help" || fs.Lookup(name) != nil {
			swallowed = usageError{fmt.Sprintf("%s: %s took %q as its value: give %s a value (a file named so: ./%s)", fs.Name(), flagName(f.Name), v, flagName(f.Name), v)}
		}
	})
	if swallowed != nil {
		return nil, swallowed
	}
	if npos >= 0 && len(pos) != npos {
		msg := fmt.Sprintf("%s: want %d input file(s), got %d", fs.Name(), npos, len(pos))
		if dashed > 0 && len(pos) > npos {
			// (REVIEW11's M2: scripts of "ipcf pcf -- IN -o OUT" from
			// when "--" took only the next argument)
			msg += fmt.Sprintf(" (every argument after -- is a file, %d here: give the options before --)", dashed)
		}
		return nil, usageError{msg}
	}
	// An option given an empty value (an unset shell variable: --mask
	// "$MASK") is refused: taken as its default, the run would go without
	// what was asked for (no mask, no threshold, every frame).
	var empty []string
	fs.Visit(func(f *flag.Flag) {
		if g, ok := f.Value.(flag.Getter); ok {
			if v, ok := g.Get().(string); ok && strings.TrimSpace(v) == "" {
				empty = append(empty, flagName(f.Name))
			}
		}
	})
	if len(empty) > 0 {
		return nil, usageError{fmt.Sprintf("%s: %s given an empty value (an unset shell variable?): give a value, or leave an option out for its default",
			fs.Name(), strings.Join(empty, ", "))}
	}
	// So is an empty file argument ("$IN" unset): it named no file.
	for i, p := range pos {
		if strings.TrimSpace(p) == "" {
			return nil, usageError{fmt.Sprintf("%s: file argument %d of %d is empty (an unset shell variable?): give a file", fs.Name(), i+1, len(pos))}
		}
	}
	return pos, nil
}

// flagError words a flag package error as the command line spells flags
// (--radius, -o), naming the command: "pcf: unknown flag --bogus".
func flagError(cmd string, err error) string {
	msg := err.Error()
	for _, r := range [][2]string{
		{"flag provided but not defined: -", "unknown flag -"},
		{"flag needs an argument: -", "flag needs a value: -"},
		{" for flag -", " for flag -"},
		{" for -", " for -"}, // invalid boolean value "x" for -quiet: ...
	} {
		i := strings.Index(msg, r[0])
		if i < 0 {
			continue
		}
		rest := msg[i+len(r[0]):]
		name, tail, _ := strings.Cut(rest, ":")
		name = strings.TrimLeft(name, "-")
		if tail != "" {
			tail = ":" + tail
		}
		msg = msg[:i] + r[1][:len(r[1])-1] + flagName(name) + tail
		break
	}
	return cmd + ": " + msg
}

// flagName is how a flag is written on the command line: -o, --radius.
func flagName(name string) string {
	if name == "o" {
		return "-o"
	}
	return "--" + name
}

func parseMean(s string) (bleach.Mean, error) {
	m, err := job.ParseMean(s)
	if err != nil {
		return 0, usageError{"--bleach-mean: " + err.Error()}
	}
	return m, nil
}

// inputFlags are the input options shared by pcf, bleach and plot --mean.
type inputFlags struct {
	format, shape, dtype, byteorder, crop, frames string
	offset                                        int
	// channel: --channel of bleach and plot (registerChannel; pcf's is
	// the toolkit's), ownChannel whether it was registered here.
	channel    int
	ownChannel bool
	fs         *flag.FlagSet
	// rawOffset names the flag of the raw input's header bytes ("offset";
	// plot, whose --offset picks a map, names it "raw-offset").
	rawOffset string
}

// registerChannel adds --channel (usage: its help) to the input options.
func (f *inputFlags) registerChannel(fs *flag.FlagSet, usage string) {
	intVar(fs, &f.channel, "channel", 0, usage)
	f.ownChannel = true
}

func (f *inputFlags) register(fs *flag.FlagSet) {
	f.fs = fs
	if f.rawOffset == "" {
		f.rawOffset = "offset"
	}
	fs.StringVar(&f.format, "format", "auto", "input format: auto, npy, tiff or raw")
	fs.StringVar(&f.shape, "shape", "", "raw input: T,H,W")
	fs.StringVar(&f.dtype, "dtype", "uint16", "raw input: sample type")
	fs.StringVar(&f.byteorder, "byteorder", "little", "raw input: little, big or native (this machine's)")
	intVar(fs, &f.offset, f.rawOffset, 0, "raw input: bytes to skip")
	fs.StringVar(&f.crop, "crop", "", "rows and columns y0:y1,x0:x1")
	fs.StringVar(&f.frames, "frames", "", "frames start:stop")
}

// input returns the job input the flags describe.
func (f *inputFlags) input(path string) (job.Input, error) {
	in := job.Input{Path: path, Format: f.format, Crop: f.crop, Frames: f.frames, Channel: f.channel}
	if f.ownChannel && f.fs != nil {
		given := false
		f.fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "channel" })
		if err := job.CheckChannel("channel", f.channel, given); err != nil {
			return in, usageError{err.Error()}
		}
	}
	if err := job.CheckFormat(f.format); err != nil {
		return in, usageError{strings.TrimPrefix(err.Error(), job.ErrOption.Error()+": ")}
	}
	if f.shape != "" && f.format != "raw" && f.format != "auto" && f.format != "" {
		return in, usageError{fmt.Sprintf("--format %s with --shape: --shape describes raw input only (--format raw)", f.format)}
	}
	if f.format != "raw" && f.shape == "" && f.fs != nil {
		// The raw options describe a raw file only: given for another
		// input they would be ignored silently.
		var raw []string
		f.fs.Visit(func(fl *flag.Flag) {
			if fl.Name == "dtype" || fl.Name == "byteorder" || fl.Name == f.rawOffset {
				raw = append(raw, "--"+fl.Name)
			}
		})
		if len(raw) > 0 {
			return in, usageError{fmt.Sprintf("%s: describes raw input only: give --shape T,H,W too if %s is a raw file (a .npy or TIFF file has its own type and layout)", strings.Join(raw, ", "), path)}
		}
	}
	if f.format == "raw" || f.shape != "" {
		d, err := job.ParseShape(f.shape)
		if err != nil {
			return in, usageError{"--shape: " + err.Error() + " (raw input needs --shape)"}
		}
		dt, err := source.ParseDType(f.dtype)
		if err != nil {
			return in, usageError{err.Error()}
		}
		bo, err := job.ParseByteOrder(f.byteorder)
		if err != nil {
			return in, usageError{"--byteorder: " + err.Error()}
		}
		if f.offset < 0 {
			return in, usageError{fmt.Sprintf("--%s %d: want >= 0", f.rawOffset, f.offset)}
		}
		// (the format stays as given: with --format auto the job refuses
		// a .npy or TIFF read as raw)
		in.Raw = source.Raw{T: d[0], H: d[1], W: d[2], DType: dt, Order: bo, Offset: f.offset}
	}
	return in, nil
}

// open opens the input (a file, folder or glob) with the selection applied.
func (f *inputFlags) open(path string) (source.Source, error) {
	in, err := f.input(path)
	if err != nil {
		return nil, err
	}
	return job.OpenSource(in)
}

// peakRSS is the process's peak resident memory: VmHWM where /proc has it
// (getrusage's figure starts at the parent's resident memory when it
// forked us, which a large host process such as Python or MATLAB makes
// meaningless), else getrusage's.
func peakRSS() int64 {
	if b := pcf.PeakResident(); b > 0 {
		return b
	}
	return maxRSS()
}

// pcfFlags are the pcf command's flags that are not part of the job.
type pcfFlags struct {
	quiet      bool
	json       bool
	cpuprofile string
}

// parsePCF turns the pcf command line into a job spec; it opens no file.
func parsePCF(args []string) (job.Spec, pcfFlags, error) {
	fs := flag.NewFlagSet("pcf", flag.ContinueOnError)
	spec := job.DefaultSpec()
	o := &spec.PCF
	var in inputFlags
	var pf pcfFlags
	in.register(fs)
	out := fs.String("o", "", "output; its extension chooses the format: .npy, .zarr, .ome.zarr (OME-NGFF) or .tif (ImageJ hyperstack) (required)")
	intVar(fs, &o.Radius, "radius", o.Radius, "circle radius in pixels")
	intVar(fs, &o.Npoints, "npoints", o.Npoints, "circle points")
	intVar(fs, &o.Nbins, "nbins", o.Nbins, "requested log or linear bins (refused with --bins multitau, whose points follow --m)")
	intVar(fs, &o.Bleach, "bleach", o.Bleach, "bleaching filter size (0: off)")
	mean := fs.String("bleach-mean", "real", "bleaching mean: real or floor")
	fs.StringVar(&spec.Mask, "mask", "", "mask .npy (rows, columns), or (columns,) for a line scan; zero: not computed")
	intVar(fs, &o.Threads, "threads", 0, "worker threads (0: all cores)")
	fs.StringVar(&o.Device, "device", "auto", "auto, cpu, cuda or cuda:N")
	memory := fs.String("memory", "", "peak memory budget (default: a quarter of RAM or of the cgroup memory limit); out of core it must hold the spectra of the rows one row's pairs reach, radius + 1 for the circle (a smaller one is refused with the smallest that works)")
	fs.StringVar(&spec.Scratch, "scratch", "", "folder for scratch files (default: next to the output)")
	fs.BoolVar(&spec.CopyInput, "copy-input", false, "out of core: copy the frames into scratch first, even where they can be read in place (an input on a slow or shared drive, or one that may change during the run)")
	fs.StringVar(&spec.Engine, "engine", "auto", "auto, memory or ooc (out of core)")
	tileFlag := fs.String("tile", "", "out of core: output tile ROWS,COLS (default: from --memory); on the CPU bands of ROWS full rows")
	floatVar(fs, &spec.FrameInterval, "frame-interval", 0, "seconds between frames, 1e-12 to 1e6, for the metadata and calibration (0: the input's, from ImageJ, Micro-Manager or OME metadata, if any)")
	floatVar(fs, &spec.PixelSize, "pixel-size", 0, "pixel size in micrometres, 1e-6 to 1e6, for the metadata and calibration (0: the input's, if any)")
	fs.BoolVar(&pf.quiet, "quiet", false, "no progress bar or summary")
	fs.BoolVar(&pf.json, "json", false, "print a JSON summary on stdout (shape, engine, seconds, output, ...; on failure the error and exit code)")
	fs.StringVar(&pf.cpuprofile, "cpuprofile", "", "write a Go CPU profile to this file: a new one, or a profile written before (never a file of the job or another file)")
	tk := job.DefaultToolkit()
	fs.StringVar(&tk.Offsets, "offsets", "", `neighbour offsets "u,v;u,v;..." or a file of "u v" lines (u columns, v rows; # comments), instead of the circle`)
	fs.StringVar(&tk.Preset, "preset", tk.Preset, "offsets: circle (--radius, --npoints), disk or line (--radius)")
	fs.BoolVar(&tk.ACF, "acf", false, "autocorrelation: the single offset (0,0)")
	fs.StringVar(&tk.Bins, "bins", tk.Bins, "delay bins: log, linear or multitau")
	intVar(fs, &tk.M, "m", pcf.DefaultM, "multi-tau channels per level, even, 2..4096 (with --bins multitau only)")
	floatVar(fs, &tk.Smooth, "smooth", tk.Smooth, "smoothing weight, 0 <= w < 1 (0: no smoothing; the first point, delay 0, still takes the second's value, as in the tutorial)")
	fs.StringVar(&tk.Threshold, "threshold", "", "pixels whose mean intensity is <= T give NaN curves (default: none)")
	fs.BoolVar(&tk.Delta, "delta", false, "delta-CCF: G(pixel -> neighbour) - G(neighbour -> pixel)")
	fs.StringVar(&tk.Input2, "input2", "", "second channel (same shape, type and selection): the neighbours' series")
	intVar(fs, &tk.Channel, "channel", 0, "channel of a multi-channel ImageJ or OME-TIFF input, from 1 as in ImageJ (default: none, for an input of one channel)")
	intVar(fs, &tk.Channel2, "channel2", 0, "second channel: channel N of the input (or of --input2), from 1 (default: none)")
	errMethod := fs.String("errors", "", "error bars of every curve point, written beside the curves (OUT.sd.npy for OUT.npy, same shape): blocking or segments")
	segments := intFlag(fs, "segments", 0, fmt.Sprintf("--errors segments: the segments, 2 to the frames used (default %d; refused with --errors blocking)", pcf.DefaultSegments))
	pos, err := parse(fs, args, 1)
	if err != nil {
		return spec, pf, err
	}
	if spec.Input, err = in.input(pos[0]); err != nil {
		return spec, pf, err
	}
	tk.Given = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { tk.Given[f.Name] = true })
	if err := tk.Apply(&spec); err != nil {
		return spec, pf, usageError{err.Error()}
	}
	if spec.Errors, err = job.ParseErrors(*errMethod, *segments, tk.Given["segments"]); err != nil {
		return spec, pf, usageError{err.Error()}
	}
	if *out == "" {
		return spec, pf, usageError{"pcf: -o OUT.npy (or OUT.zarr, OUT.ome.zarr, OUT.tif) is required"}
	}
	if _, err := job.OutputFormat(*out); err != nil {
		if err := bareExtension("pcf", *out); err != nil {
			return spec, pf, err
		}
		return spec, pf, usageError{fmt.Sprintf("pcf: -o %s: want OUT.npy, OUT.zarr, OUT.ome.zarr or OUT.tif (the extension chooses the format; .ome.tif is not written)", *out)}
	}
	spec.Output = *out
	if o.BleachMean, err = parseMean(*mean); err != nil {
		return spec, pf, err
	}
	if tk.Given["bleach-mean"] && o.Bleach == 0 {
		// as --m without multi-tau and --segments without --errors: an
		// option that would do nothing is refused, not ignored
		return spec, pf, usageError{"--bleach-mean is the bleaching correction's mean: it needs --bleach F"}
	}
	if *memory != "" {
		if spec.Memory, err = job.ParseSize(*memory); err != nil {
			return spec, pf, usageError{"--memory: " + err.Error()}
		}
	}
	if *tileFlag != "" {
		if spec.Tile, err = job.ParseTile(*tileFlag); err != nil {
			return spec, pf, usageError{"--tile: " + err.Error()}
		}
	}
	return spec, pf, nil
}

func cmdPCF(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	spec, pf, err := parsePCF(args)
	if err != nil {
		return err
	}
	stateOf(ctx).json = pf.json
	quiet, cpuprofile, out := &pf.quiet, &pf.cpuprofile, &spec.Output
	if *cpuprofile != "" {
		job := []string{spec.Input.Path, spec.Mask, spec.Input2, spec.Output, ooc.SidecarName(spec.Output), ooc.ErrorsName(spec.Output)}
		f, err := openProfile(*cpuprofile, job, []string{spec.Output, ooc.ErrorsName(spec.Output)})
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	var bar *bar
	phase := ""
	spec.Progress = func(ph string, done, total int) bool {
		if ph != phase {
			if bar != nil {
				bar.done()
			}
			bar = newBar(stderr, ph, *quiet)
			phase = ph
		}
		return bar.update(done, total)
	}
	spec.Log = func(msg string) {
		if bar != nil {
			bar.done()
		}
		fmt.Fprintf(stderr, "pcf: %s\n", msg)
	}
	j, err := job.Open(spec)
	if err != nil {
		return err
	}
	defer j.Close()
	// The Go heap's share of the budget: the garbage collector works
	// harder instead of letting the heap grow past it.
	debug.SetMemoryLimit(j.Memory())
	sum, err := j.Run(ctx)
	if bar != nil {
		bar.done()
	}
	if err != nil {
		return err
	}
	g := sum.Geometry
	var summary string
	switch {
	case sum.AlreadyComplete:
		summary = "already complete, nothing done"
	case sum.Engine == "memory":
		summary = "in memory"
	case sum.InPlace:
		summary = fmt.Sprintf("out of core: %d tiles (%d resumed), the input read in place", sum.Tiles, sum.Resumed)
	default:
		summary = fmt.Sprintf("out of core: %d tiles (%d resumed), %d chunks", sum.Tiles, sum.Resumed, sum.Chunks)
	}
	if n := j.Device(); n != "" {
		summary += ", " + n // the device used, or why auto ran on the CPU
	}
	secs := time.Since(start).Seconds()
	if pf.json {
		return writeJSON(stdout, map[string]any{
			"command": "pcf", "ok": true, "output": *out, "format": j.Format(), "input": j.InputName(),
			"shape": g.OutShape, "axes": []string{"y", "x", "offset", "delay"},
			"engine": sum.Engine, "seconds": secs, "already_complete": sum.AlreadyComplete,
			"tiles": sum.Tiles, "resumed": sum.Resumed, "chunks": sum.Chunks, "read_in_place": sum.InPlace,
			"frames": g.T, "frames_used": g.N, "curves": g.OutShape[0] * g.OutShape[1] * g.OutShape[2],
			"peak_memory_bytes": peakRSS(), "memory_budget_bytes": j.Memory(), "device_note": j.Device(),
			"job_key": j.Key(), "summary": summary, "errors": errorsMethod(spec), "errors_output": nullable(j.ErrorsPath()),
		})
	}
	if p := j.ErrorsPath(); p != "" {
		summary += ", error bars -> " + p
	}
	if !*quiet {
		fmt.Fprintf(stderr, "pcf: %d x %d pixels, %d points, %d bins, %d of %d frames: %d curves in %.2f s, peak memory %d MiB (%s) -> %s\n",
			g.OutShape[0], g.OutShape[1], g.OutShape[2], g.OutShape[3], g.N, g.T,
			g.OutShape[0]*g.OutShape[1]*g.OutShape[2], secs, peakRSS()>>20, summary, *out)
	}
	return nil
}

// errorsMethod is the error bars' method of a spec, or nil.
func errorsMethod(s job.Spec) any {
	if s.Errors == nil {
		return nil
	}
	return s.Errors.Method.String()
}

// nullable is s, or nil for "".
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeJSON writes v as one line of JSON.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err = w.Write(append(b, '\n')); err != nil {
		if m, ok := v.(map[string]any); ok && m["ok"] == true {
			// A command done: said, not left as a bare write error that
			// reads as a failed run (stdout on a full disk: CLI11's M11).
			return fmt.Errorf("done, the output in place, but the JSON summary could not be written to standard output: %w", err)
		}
	}
	return err
}

// npyOutput refuses an output of a command that writes .npy only under
// another extension: a .tif must never hold .npy bytes.
func npyOutput(cmd, out string) error {
	if out == "" {
		return usageError{cmd + ": -o OUT.npy is required"}
	}
	if !strings.HasSuffix(strings.ToLower(out), ".npy") {
		return usageError{fmt.Sprintf("%s: -o %s: %s writes .npy only (want OUT.npy)", cmd, out, cmd)}
	}
	return bareExtension(cmd, out)
}

// bareExtension refuses an output named only by its extension (-o .npy):
// it would write a hidden file (OUT15's minor, for every command).
func bareExtension(cmd, out string) error {
	if ext := job.BareExtension(out); ext != "" {
		return usageError{fmt.Sprintf("%s: -o %s: no name before the extension (a hidden file of that name): give a name, such as result%s", cmd, out, ext)}
	}
	return nil
}

// loadStack copies the source into memory as one (T, H, W) array and
// returns it with the frames' checksum (ooc.FramesCRC's). The copy is
// guarded: an input truncated or replaced while it is read gives an error
// naming it, not SIGBUS (the workers that use the array never touch the
// mapped file). free releases the array (pcf.NewArray), whose memory lies
// outside Go's heap: the collector never would.
func loadStack(src source.Source) (v array.View, crc uint32, free func(), err error) {
	T, H, W := src.Shape()
	dt := src.DType()
	v, free, err = pcf.NewArray("the input stack", dt, []int{T, H, W})
	if err != nil || H == 0 || W == 0 { // (no pixel: nothing to read, however many frames)
		return v, 0, free, err
	}
	es := dt.Size()
	if r, ok := source.NewFrameReader(src); ok && r.Order() == v.Order {
		// Runs of frames by read(2), as the pCF job reads its input.
		err = r.ReadRuns(T, v.Data[:T*H*W*es], func(run []byte, _ int) error {
			crc = ooc.CRCUpdate(crc, run)
			return nil
		})
		r.Close()
		if err != nil {
			free()
			return array.View{}, 0, func() {}, err
		}
		return v, crc, free, nil
	} else if ok {
		r.Close()
	}
	err = source.Guard(src.Name(), func() error {
		for t := 0; t < T; t++ {
			fr, err := src.Frame(t)
			if err != nil {
				return err
			}
			crc = ooc.FrameCRC(crc, fr, H, W)
			if fr.DType == dt && fr.Order == v.Order && fr.Strides[1] == es {
				// Same dtype and byte order, contiguous rows: copy the bytes.
				for y := 0; y < H; y++ {
					o := fr.Offset + y*fr.Strides[0]
					copy(v.Data[(t*H+y)*W*es:][:W*es], fr.Data[o:o+W*es])
				}
				continue
			}
			for y := 0; y < H; y++ {
				for x := 0; x < W; x++ {
					v.Store(((t*H+y)*W+x)*es, fr.Load(fr.Offset+y*fr.Strides[0]+x*fr.Strides[1]))
				}
			}
		}
		return nil
	})
	if err != nil {
		free()
		return array.View{}, 0, func() {}, err
	}
	return v, crc, free, nil
}

// testHookBleach, if set, runs just before the correction starts (tests
// change the input there).
var testHookBleach func()

func cmdBleach(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bleach", flag.ContinueOnError)
	var in inputFlags
	in.register(fs)
	out := fs.String("o", "", "output .npy file (required)")
	f := intFlag(fs, "filtersize", bleach.DefaultFilterSize, "filter size in frames")
	mean := fs.String("bleach-mean", "real", "mean: real or floor")
	threads := intFlag(fs, "threads", 0, "worker threads (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	jsonOut := fs.Bool("json", false, "print a JSON summary on stdout (shape, seconds, output; on failure the error and exit code)")
	in.registerChannel(fs, "channel of a multi-channel ImageJ or OME-TIFF input, from 1 as in ImageJ (default: none, for an input of one channel)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	stateOf(ctx).json = *jsonOut
	start := time.Now()
	if err := npyOutput("bleach", *out); err != nil {
		return err
	}
	if *f < 1 {
		return usageError{fmt.Sprintf("bleach: --filtersize %d: want >= 1", *f)}
	}
	m, err := parseMean(*mean)
	if err != nil {
		return err
	}
	input, err := in.input(pos[0])
	if err != nil {
		return err
	}
	// A 2-D (time, x) .npy is a line scan, as for pcf --preset line: read
	// as (time, 1, x), corrected per pixel, written back as (time, x).
	input.Lines = true
	src, err := job.OpenSource(input)
	if err != nil {
		return err
	}
	defer src.Close()
	unlock, err := lockPlain("bleach", *out)
	if err != nil {
		return err
	}
	defer unlock()
	if err := plainCheck("bleach", *out, append(source.Files(src), pos[0])...); err != nil {
		return err
	}
	T, H, W := src.Shape()
	lines := H == 1 && job.LineScanInput(input)
	if T == 1 && H > 1 {
		return fmt.Errorf("%w: %s", source.ErrFormat, source.OneImageAdvice(src.Name(), H))
	}
	if err := bleach.Check(T, *f, m); err != nil {
		filtersizeGiven := false
		fs.Visit(func(fl *flag.Flag) { filtersizeGiven = filtersizeGiven || fl.Name == "filtersize" })
		if !filtersizeGiven {
			return fmt.Errorf("%w (%d is the default filter size: give a smaller --filtersize)", err, *f)
		}
		return err
	}
	// A stack in one mapping (npy, raw, ImageJ TIFF) is corrected where it
	// lies: no copy of the input. A file truncated under the mapping gives
	// ErrChanged (the workers' faults are errors), as does one whose size
	// or time changed by the end (rewritten in place).
	snap, err := source.Snap(src)
	if err != nil {
		return err
	}
	// The frames' checksum as the correction starts: a rewrite that sets
	// the input's size and time back shows only in its status change
	// (snap.Touched), and then the frames are read again and compared.
	var crc uint32
	data, mapped := src.Stack()
	if mapped {
		c, err := ooc.FramesCRC(ctx, []source.Source{src}, T, nil)
		if err != nil {
			return err
		}
		crc = c[0]
	} else {
		var free func()
		if data, crc, free, err = loadStack(src); err != nil {
			return err
		}
		defer free()
	}
	// Samples that are not counts in 0..65535 are rounded and clipped by
	// the definition: computed as defined, with a warning.
	t0, y0, x0, _ := source.Origin(src) // (the file's frame and pixel named, not the selection's)
	if err := source.Guard(src.Name(), func() error { return bleach.CheckCountsAt(data, [3]int{t0, y0, x0}) }); errors.Is(err, bleach.ErrCounts) {
		fmt.Fprintf(stderr, "ipcf bleach: warning: %s: %v\n", src.Name(), err)
	} else if err != nil {
		return err
	}
	dt := src.DType()
	if !dt.IsInteger() {
		dt = array.Uint16
	}
	shape, inShape := []int{T - 2**f, H, W}, []int{T, H, W}
	if lines {
		shape, inShape = []int{T - 2**f, W}, []int{T, W}
	}
	res, err := newPlainArray("bleach", *out, "the corrected stack", dt, shape)
	if err != nil {
		return err
	}
	defer res.release()
	if testHookBleach != nil {
		testHookBleach()
	}
	view := res.View
	if lines { // the (time, x) output as the (time, 1, x) stack it is
		v := res.View
		if view, err = array.New(v.DType, v.Order, []int{shape[0], 1, W}, []int{v.Strides[0], v.Strides[0], v.Strides[1]}, v.Data, v.Offset); err != nil {
			return err
		}
	}
	bar := newBar(stderr, "bleach", *quiet)
	err = bleach.Stack(ctx, view, data, *f, m, *threads, bar.update)
	bar.done()
	if err != nil {
		return source.Faulted(src.Name(), res.faulted("bleach", *out, err))
	}
	if err := snap.Check(); err != nil {
		return err
	}
	if snap.Touched() {
		now, err := ooc.FramesCRC(ctx, []source.Source{src}, T, nil)
		if err != nil {
			return err
		}
		if now[0] != crc {
			return fmt.Errorf("%w: %s changed while ipcf bleach read it (its frames differ from those read)", source.ErrChanged, src.Name())
		}
	}
	// The selection corrected (--channel, --crop, --frames): it was not
	// recorded, and a stack of a crop could not be placed on its input.
	// first_frame is the input's frame of the output's first: the
	// correction drops filtersize frames at each end (t0, y0, x0: the
	// selection's origin, above).
	var channel any
	if input.Channel > 0 {
		channel = input.Channel
	}
	meta := map[string]any{"input": pos[0], "input_files": source.Files(src), "input_dtype": src.DType().String(),
		"input_shape": inShape, "channel": channel, "crop_origin": []int{y0, x0}, "first_frame": t0 + *f,
		"bleach_filtersize": *f, "bleach_mean": *mean, "shape": shape, "dtype": dt.String(),
		"units": bleachUnits(src, pos[0], stderr)}
	if err := res.publish("bleach", *out, meta); err != nil {
		return err
	}
	return summaryJSON(stdout, *jsonOut, "bleach", *out, shape, dt, start)
}

// bleachUnits are the units of the input src (at path, job.InputUnits)
// that a corrected stack keeps, for a pCF of it (core/job reads them from
// its record): those a result takes (job.UsedUnits), each one not used
// said on stderr as pcf says it (an out-of-range frame interval was
// dropped silently: CLI11's M7).
func bleachUnits(src source.Source, path string, stderr io.Writer) map[string]any {
	u := job.InputUnits(src, path)
	m := map[string]any{"frame_interval_s": nil, "pixel_size_um": nil, "from": nil}
	if u.NotSquare != "" {
		m["pixels_not_square"] = u.NotSquare // a pCF of the stack warns as one of its input does
	}
	fi, ps, notes := job.UsedUnits(u, 0, 0)
	for _, n := range notes {
		// (the options the note names are pcf's: bleach has none of them,
		// REVIEW12's F8)
		fmt.Fprintf(stderr, "ipcf bleach: %s: %s (the corrected stack records none: the options named are those of ipcf pcf of the corrected stack)\n", src.Name(), n)
	}
	if fi > 0 {
		m["frame_interval_s"], m["from"] = fi, u.Origin
	}
	if ps > 0 {
		m["pixel_size_um"], m["from"] = ps, u.Origin
	}
	return m
}

// summaryJSON prints the JSON summary of a command that wrote a .npy.
func summaryJSON(w io.Writer, on bool, cmd, out string, shape []int, dt array.DType, start time.Time) error {
	if !on {
		return nil
	}
	return writeJSON(w, map[string]any{"command": cmd, "ok": true, "output": out, "format": job.FormatNpy,
		"shape": shape, "dtype": dt.String(), "seconds": time.Since(start).Seconds(), "peak_memory_bytes": peakRSS()})
}

func cmdSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	o := simulate.DefaultOptions()
	out := fs.String("o", "", "output .npy file (required)")
	intVar(fs, &o.Frames, "frames", o.Frames, "frames")
	intVar(fs, &o.Size, "size", o.Size, "image height and width; the image is periodic (a particle leaving one side enters the opposite one; their number is fixed): check fitted D on 64 or more (16 gave about twice the simulated D)")
	seed := uint64Flag(fs, "seed", o.Seed, "random seed")
	intVar(fs, &o.Particles, "particles", o.Particles, "particles")
	floatVar(fs, &o.Diffusion, "diffusion", o.Diffusion, "diffusion coefficient (pixel^2/frame)")
	floatVar(fs, &o.ChannelWidth, "channel-width", o.ChannelWidth, "channel width (pixels, 0: no barrier)")
	floatVar(fs, &o.BleachTau, "bleach-tau", 0, "bleaching time constant (frames, 0: none)")
	intVar(fs, &o.Threads, "threads", 0, "worker threads (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	jsonOut := fs.Bool("json", false, "print a JSON summary on stdout (shape, seconds, output; on failure the error and exit code)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	stateOf(ctx).json = *jsonOut
	start := time.Now()
	o.Seed = *seed
	if err := npyOutput("simulate", *out); err != nil {
		return err
	}
	if err := o.Check(); err != nil {
		// The default channel width (4) does not fit a small --size: say
		// that it is the default, and how to choose another.
		widthGiven := false
		fs.Visit(func(fl *flag.Flag) { widthGiven = widthGiven || fl.Name == "channel-width" })
		c := o
		c.ChannelWidth = 0
		if cerr := c.Check(); !widthGiven && (cerr == nil || cerr.Error() != err.Error()) {
			err = fmt.Errorf("%w (--channel-width %g is the default: pass a smaller one, or 0 for no barrier)", err, o.ChannelWidth)
		}
		return err
	}
	unlock, err := lockPlain("simulate", *out)
	if err != nil {
		return err
	}
	defer unlock()
	if err := plainCheck("simulate", *out); err != nil {
		return err
	}
	shape := []int{o.Frames, o.Size, o.Size}
	res, err := newPlainArray("simulate", *out, "the simulated stack", array.Uint16, shape)
	if err != nil {
		return fmt.Errorf("--frames %d, --size %d: %w", o.Frames, o.Size, err)
	}
	defer res.release()
	bar := newBar(stderr, "simulate", *quiet)
	o.Progress = bar.update
	err = simulate.Run(ctx, res.View, o)
	bar.done()
	if err != nil {
		return res.faulted("simulate", *out, err)
	}
	meta := map[string]any{"frames": o.Frames, "size": o.Size, "seed": o.Seed, "particles": o.Particles, "diffusion": o.Diffusion,
		"channel_width": o.ChannelWidth, "bleach_tau": o.BleachTau, "shape": shape, "dtype": array.Uint16.String()}
	if err := res.publish("simulate", *out, meta); err != nil {
		return err
	}
	return summaryJSON(stdout, *jsonOut, "simulate", *out, shape, array.Uint16, start)
}

// bar is a progress bar with rate and ETA on a terminal; silent
// otherwise. It redraws at most every barInterval (a few times a second,
// however often the work reports), and always for the first and the last
// unit: drawing is cheap for the work, and a line redrawn thousands of
// times a second floods a slow terminal or a remote session.
type bar struct {
	w     io.Writer
	name  string
	on    bool
	start time.Time
	drawn bool
	last  time.Time        // the last redraw
	now   func() time.Time // the clock (tests)
	draws int              // redraws so far (tests)
}

// barInterval is the shortest time between two redraws of a bar.
const barInterval = 250 * time.Millisecond

func newBar(w io.Writer, name string, quiet bool) *bar {
	b := &bar{w: w, name: name, start: time.Now(), now: time.Now}
	if f, ok := w.(*os.File); ok && !quiet {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.on = true
		}
	}
	return b
}

var _ pool.Progress = (*bar)(nil).update

func (b *bar) update(done, total int) bool {
	if !b.on || total <= 0 {
		return true
	}
	now := b.now()
	if b.drawn && done < total && now.Sub(b.last) < barInterval {
		return true
	}
	b.last = now
	b.draws++
	frac := math.Min(1, math.Max(0, float64(done)/float64(total)))
	el := now.Sub(b.start)
	eta := "--"
	if frac > 0.01 {
		eta = (time.Duration(float64(el)/frac) - el).Round(time.Second).String()
	}
	const width = 30
	n := int(frac * width)
	rate := float64(done) / math.Max(el.Seconds(), 1e-3)
	fmt.Fprintf(b.w, "\r%s [%s%s] %3.0f%% %d/%d %.1f/s ETA %s   ", b.name, strings.Repeat("#", n), strings.Repeat(".", width-n),
		100*frac, done, total, rate, eta)
	b.drawn = true
	return true
}

func (b *bar) done() {
	if b.drawn {
		fmt.Fprint(b.w, "\r\033[K")
	}
}

// cmdConvolve writes the full 2-D convolution of an image with an odd-sized
// kernel: int32 (exact) for integer inputs, float64 otherwise.
func cmdConvolve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("convolve", flag.ContinueOnError)
	out := fs.String("o", "", "output .npy file (required)")
	pos, err := parse(fs, args, 2)
	if err != nil {
		return err
	}
	if err := npyOutput("convolve", *out); err != nil {
		return err
	}
	unlock, err := lockPlain("convolve", *out)
	if err != nil {
		return err
	}
	defer unlock()
	if err := plainCheck("convolve", *out, pos[0], pos[1]); err != nil {
		return err
	}
	f, err := npyInMemory(pos[0])
	if err != nil {
		return err
	}
	k, err := npyInMemory(pos[1])
	if err != nil {
		return err
	}
	if f.NDim() != 2 || k.NDim() != 2 {
		return fmt.Errorf("convolve: image %s %v and kernel %s %v must be 2-D", pos[0], f.Shape, pos[1], k.Shape)
	}
	dt := array.Float64
	if f.DType.IsInteger() && k.DType.IsInteger() {
		dt = array.Int32
	}
	shape := []int{f.Shape[0] + k.Shape[0] - 1, f.Shape[1] + k.Shape[1] - 1}
	res, free, err := pcf.NewArray("the convolution", dt, shape)
	if err != nil {
		return err
	}
	defer free()
	buf := res.Data
	if err := conv.Convolve2DContext(ctx, res, f.View, k.View); err != nil {
		// The files' content (a kernel of even size): named.
		return fmt.Errorf("convolve %s with the kernel %s: %w", pos[0], pos[1], err)
	}
	if err := ctx.Err(); err != nil {
		// a signal during the last stretch: the run is stopped, not
		// written with exit 0 (a campaign)
		return fmt.Errorf("convolve: %w", pcf.ErrCancelled)
	}
	meta := map[string]any{"image": pos[0], "kernel": pos[1], "shape": shape, "dtype": dt.String()}
	return writePlain("convolve", *out, dt, shape, buf, meta)
}

// npyInMemory opens the .npy file path and copies it (header and data)
// into memory under source.Guard: a file truncated while it is read is
// an error naming it, not SIGBUS (the convolution read its mapping), and
// a file written meanwhile (its status changed) one too, not a mix of
// old and new samples.
func npyInMemory(path string) (*npy.File, error) {
	f, err := npy.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st0, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if testHookOpened != nil {
		testHookOpened(path)
	}
	if err := npy.CheckBool(path, f.Header); err != nil {
		return nil, err // a b1 byte other than 0 and 1, which numpy reads as True, was convolved as itself (READ16's F1)
	}
	if err := pcf.CheckMemory("the copy of "+path, int64(len(f.Bytes()))); err != nil {
		return nil, err // (Go's fatal "out of memory" ended the CLI with a stack dump)
	}
	var b []byte
	if err := source.Guard(path, func() error { b = bytes.Clone(f.Bytes()); return nil }); err != nil {
		return nil, err
	}
	st1, err := os.Stat(path)
	if err == nil && (!os.SameFile(st0, st1) || source.Version(st0) != source.Version(st1) || source.Status(st0) != source.Status(st1)) {
		err = fmt.Errorf("%w: %s: the input changed while it was read", source.ErrChanged, path)
	}
	if err != nil {
		return nil, err
	}
	// An output of ipcf convolve (convolutions chained) is checked against
	// its sidecar's record, as a bleach or simulate output is: one byte
	// changed was read with exit 0 (TOOLS14's F2). The copy is the file.
	if w, err := ooc.WrittenRecord(path); err != nil {
		return nil, err
	} else if w != nil {
		if err := w.CheckExcept(0, int64(len(b)), ooc.CRC(b)); err != nil {
			return nil, err
		}
	}
	v, h, err := npy.View(b)
	if err != nil { // (the copy is what npy.Open parsed)
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &npy.File{View: v, Header: h}, nil
}

// openProfile opens the CPU profile file path: a new file, or one an
// earlier run wrote (a Go profile: isGoProfile), never a link or one of
// the job's files (avoid: its inputs, the output, its sidecar and error
// bars; and the hidden files beside each of outs, ".OUT..." in its
// folder: the partial output, the lock, the earlier result set aside),
// which a typo would otherwise have emptied before anything was checked.
// A profile opened at the partial output's path was renamed with it into
// the result, and the profile written at exit replaced the result.
func openProfile(path string, avoid, outs []string) (*os.File, error) {
	refuse := func(why string) (*os.File, error) {
		return nil, fmt.Errorf("--cpuprofile %s: %s: not writing the profile over it (give a new path)", path, why)
	}
	abs, _ := filepath.Abs(npy.KernelPath(path)) // (through link/..: where the kernel puts it)
	st, err := os.Lstat(path)
	for _, a := range avoid {
		if a == "" {
			continue
		}
		aa, _ := filepath.Abs(npy.KernelPath(a))
		ast, aerr := os.Stat(a)
		if aa == abs || (err == nil && aerr == nil && os.SameFile(st, ast)) {
			return refuse("it is a file of this job")
		}
	}
	dirSt, derr := os.Stat(filepath.Dir(abs))
	for _, o := range outs {
		oa, _ := filepath.Abs(npy.KernelPath(strings.TrimRight(o, "/")))
		odSt, oerr := os.Stat(filepath.Dir(oa))
		sameDir := filepath.Dir(oa) == filepath.Dir(abs) || (derr == nil && oerr == nil && os.SameFile(dirSt, odSt))
		if sameDir && strings.HasPrefix(filepath.Base(abs), "."+filepath.Base(oa)) {
			return refuse("it is a hidden file of this job's output " + o)
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if !st.Mode().IsRegular() {
		return refuse("it exists and is " + npy.Kind(st.Mode()))
	}
	f, err := os.OpenFile(path, os.O_RDWR|noFollow, 0)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if !isGoProfile(f) {
		f.Close()
		return refuse("it exists and is not a Go profile (gzip as Go writes it)")
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return f, nil
}

// goProfileHeader is the gzip header Go's runtime/pprof writes (compress/gzip
// at BestSpeed: no name, no time, XFL 4, OS unknown). gzip(1) and tar
// write the OS (3 on Unix) and usually a time or a name.
var goProfileHeader = []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 4, 0xff}

// isGoProfile reports whether f holds what an earlier --cpuprofile
// wrote: Go's gzip header and a whole gzip stream (its checksum right).
// Any gzip file passed before, and a user's archive was replaced.
func isGoProfile(f *os.File) bool {
	head := make([]byte, len(goProfileHeader))
	if n, _ := f.ReadAt(head, 0); n != len(head) || !bytes.Equal(head, goProfileHeader) {
		return false
	}
	zr, err := gzip.NewReader(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		return false
	}
	zr.Multistream(false)
	n, err := io.Copy(io.Discard, io.LimitReader(zr, 256<<20))
	return err == nil && n > 0 && n < 256<<20
}
