//go:build !linux

package fft

// BigComplex64s returns n aligned complex64 and a no-op release function.
// Callers must not rely on the values being zero (they are here).
func BigComplex64s(n int) (c []complex64, free func(), err error) {
	return Complex64s(n), func() {}, nil
}

// BigBytes returns n bytes and a no-op release function. Callers must not
// rely on the values being zero (they are here).
func BigBytes(n int) (b []byte, free func(), err error) { return make([]byte, n), func() {}, nil }

// BigZeroed returns n zeroed bytes and a no-op release function.
func BigZeroed(n int) (b []byte, free func(), err error) { return make([]byte, n), func() {}, nil }

// Populate does nothing here (see the Linux version).
func Populate(b []byte) {}
