package npy

import (
	"fmt"
	"strconv"
	"strings"
)

// literal is a value of the header dict: a string, a bool or a tuple of
// non-negative integers.
type literal struct {
	kind  byte // 's', 'b' or 't'
	str   string
	boolv bool
	tuple []int64
}

// dictParser reads the Python dict literal of a .npy header. It accepts
// what numpy writes and the plain variations of it ast.literal_eval reads
// alike (either quote, any spacing, trailing commas, Python 2 "L"
// suffixes), and refuses everything else rather than guess: escapes in
// strings, signs, underscores, hexadecimal or leading zeros in integers,
// comments, nested values, duplicate, unknown and missing keys.
type dictParser struct {
	s string
	i int
}

func (p *dictParser) errf(format string, a ...any) error {
	return fmt.Errorf("%w: header %s (at byte %d of %q)", ErrFormat, fmt.Sprintf(format, a...), p.i, clip(p.s))
}

func clip(s string) string {
	s = strings.TrimRight(s, " \n")
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

func (p *dictParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *dictParser) peek() byte {
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *dictParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errf("wants a quoted string")
	}
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch p.s[j] {
		case q:
			p.i = j + 1
			return p.s[start:j], nil
		case '\\', '\n', '\r':
			p.i = j
			return "", p.errf("string with an escape or line break is not supported")
		}
	}
	p.i = len(p.s)
	return "", p.errf("string without its closing quote")
}

func (p *dictParser) integer() (int64, error) {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	digits := p.s[start:p.i]
	if digits == "" {
		return 0, p.errf("wants a non-negative decimal integer")
	}
	if len(digits) > 1 && digits[0] == '0' {
		p.i = start
		return 0, p.errf("integer %s has a leading zero", digits)
	}
	if p.peek() == 'L' || p.peek() == 'l' { // Python 2 long, as numpy's own reader filters
		p.i++
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		p.i = start
		return 0, p.errf("integer %s out of range", digits)
	}
	return n, nil
}

func (p *dictParser) tuple() ([]int64, error) {
	p.i++ // '('
	var out []int64
	commas := 0
	for {
		p.space()
		if p.peek() == ')' {
			p.i++
			if len(out) == 1 && commas == 0 {
				return nil, p.errf("(%d) is an integer, not a tuple (write (%d,))", out[0], out[0])
			}
			return out, nil
		}
		if len(out) > commas {
			return nil, p.errf("tuple wants ',' or ')'")
		}
		n, err := p.integer()
		if err != nil {
			return nil, err
		}
		out = append(out, n)
		p.space()
		if p.peek() == ',' {
			p.i++
			commas++
		}
	}
}

func (p *dictParser) value() (literal, error) {
	switch c := p.peek(); {
	case c == '\'' || c == '"':
		s, err := p.str()
		return literal{kind: 's', str: s}, err
	case c == '(':
		t, err := p.tuple()
		return literal{kind: 't', tuple: t}, err
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return literal{kind: 'b', boolv: true}, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return literal{kind: 'b'}, nil
	}
	return literal{}, p.errf("value is not a string, True, False or a tuple of integers")
}

// headerKeys are the keys a .npy header holds, all of them, no others
// (numpy's format.read_array_header requires exactly these).
var headerKeys = []string{"descr", "fortran_order", "shape"}

// parseDict parses the header text into its three values.
func parseDict(text string) (map[string]literal, error) {
	p := &dictParser{s: text}
	p.space()
	if p.peek() != '{' {
		return nil, p.errf("is not a dict literal")
	}
	p.i++
	d := map[string]literal{}
	for {
		p.space()
		if p.peek() == '}' {
			p.i++
			break
		}
		at := p.i
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		known := false
		for _, want := range headerKeys {
			known = known || k == want
		}
		if !known {
			p.i = at
			return nil, p.errf("has unknown key %q (want exactly descr, fortran_order and shape)", k)
		}
		if _, dup := d[k]; dup {
			p.i = at
			return nil, p.errf("has key %q twice", k)
		}
		p.space()
		if p.peek() != ':' {
			return nil, p.errf("wants ':' after key %q", k)
		}
		p.i++
		p.space()
		if d[k], err = p.value(); err != nil {
			return nil, err
		}
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
		default:
			return nil, p.errf("wants ',' or '}' after the value of %q", k)
		}
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.errf("has bytes after the dict")
	}
	for _, k := range headerKeys {
		if _, ok := d[k]; !ok {
			return nil, fmt.Errorf("%w: header has no %q key: %q", ErrFormat, k, clip(text))
		}
	}
	return d, nil
}
