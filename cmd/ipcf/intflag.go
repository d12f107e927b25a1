package main

import (
	"errors"
	"flag"
	"strconv"
	"strings"

	"github.com/ipcf/ipcf/core/source"
)

// Whole-number flags are read in decimal, as --frames, --crop and
// --offsets are: Go's flag.Int reads "010" as 8 (octal) and takes 0x10,
// 0b11 and 1_0, so a zero-padded number from a script (%03d) silently
// became another radius. Leading zeros are decimal; other bases refused.

var errDecimal = errors.New("want a whole number in decimal digits")

// decInt is an int flag read in decimal.
type decInt struct{ p *int }

func (d decInt) String() string {
	if d.p == nil {
		return "0"
	}
	return strconv.Itoa(*d.p)
}

func (d decInt) Set(s string) error {
	v, err := source.Whole(s, true)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return errors.New("out of range")
		}
		return errDecimal
	}
	*d.p = v
	return nil
}

// decUint64 is a uint64 flag read in decimal.
type decUint64 struct{ p *uint64 }

func (d decUint64) String() string {
	if d.p == nil {
		return "0"
	}
	return strconv.FormatUint(*d.p, 10)
}

func (d decUint64) Set(s string) error {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" { // (source.Whole's digits, unsigned 64 bits)
		return errDecimal
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return errors.New("out of range")
		}
		return errDecimal
	}
	*d.p = v
	return nil
}

// intVar defines an int flag read in decimal (flag.FlagSet.IntVar's
// arguments).
func intVar(fs *flag.FlagSet, p *int, name string, value int, usage string) {
	*p = value
	fs.Var(decInt{p}, name, usage)
}

// intFlag defines an int flag read in decimal (flag.FlagSet.Int's
// arguments).
func intFlag(fs *flag.FlagSet, name string, value int, usage string) *int {
	p := new(int)
	intVar(fs, p, name, value, usage)
	return p
}

// uint64Flag defines a uint64 flag read in decimal.
func uint64Flag(fs *flag.FlagSet, name string, value uint64, usage string) *uint64 {
	p := new(uint64)
	*p = value
	fs.Var(decUint64{p}, name, usage)
	return p
}

// decFloat is a float64 flag read in decimal (source.ParseDecimal): Go's
// flag.Float64 took "0_5" as 5 and hexadecimal floats.
type decFloat struct{ p *float64 }

func (d decFloat) String() string {
	if d.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*d.p, 'g', -1, 64)
}

func (d decFloat) Set(s string) error {
	v, err := source.ParseDecimal(s)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return errors.New("out of range")
		}
		return errors.New("want a number in decimal digits")
	}
	*d.p = v
	return nil
}

// floatVar defines a float64 flag read in decimal (flag.FlagSet.Float64Var's
// arguments).
func floatVar(fs *flag.FlagSet, p *float64, name string, value float64, usage string) {
	*p = value
	fs.Var(decFloat{p}, name, usage)
}
