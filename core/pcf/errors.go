package pcf

import "errors"

// Errors returned by this package; messages are extended with details.
var (
	ErrParam     = errors.New("pcf: invalid parameter")
	ErrShape     = errors.New("pcf: shape mismatch")
	ErrCancelled = errors.New("pcf: cancelled")
)
