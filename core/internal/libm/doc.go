// Package libm gives the C library's log and pow where the engines must
// reproduce numpy's float64 arithmetic exactly (the log bins of
// spec/pcf.md): through cgo, the C library's own functions, as numpy's
// scalar functions and Python's math module call them; without cgo,
// correctly rounded values computed with math/big.
package libm
