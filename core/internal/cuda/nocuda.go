//go:build !cgo || ipcf_purego

// Package cuda is the GPU path of the pCF; pure-Go builds have none.
package cuda

import "errors"

// ErrUnavailable reports that no usable CUDA device was found.
var ErrUnavailable = errors.New("cuda: not available")

// ErrCancelled: a block stopped by its cancel channel.
var ErrCancelled = errors.New("cuda: cancelled")

// Available is false in pure-Go builds.
const Available = false

// Device describes a CUDA device.
type Device struct {
	Index   int
	Desc    string
	FreeMem int64
	CC      int
}

// Devices reports that pure-Go builds have no GPU path.
func Devices() ([]Device, error) {
	return nil, errors.New("cuda: not available: this build has no GPU path (built without cgo)")
}

// Present is false in pure-Go builds.
func Present() bool { return false }

// Count reports that pure-Go builds have no GPU path.
func Count() (int, error) {
	_, err := Devices()
	return 0, err
}

// Compile is not available in pure-Go builds.
func Compile(i int) (string, error) { return "", ErrUnavailable }

// Source is empty in pure-Go builds.
func Source() string { return "" }

// Block is the GPU work of one block of pixels.
type Block struct {
	N, NT, NPix int
	Raw         []byte
	DType       int
	Swap, Scale bool
	Bleach      int
	FloorMean   bool
	NPairs      []int32
	WantBwd     []int32
	P, Q        []int32
	Bins        []int32
	Fwd, Bwd    []float32
}

// PCF is not available in pure-Go builds.
func PCF(dev int, b *Block) error { return ErrUnavailable }

// Job is not available in pure-Go builds.
type Job struct{}

// Open is not available in pure-Go builds.
func Open(dev, size int) (*Job, error) { return nil, ErrUnavailable }

// Pinned is false in pure-Go builds.
func (j *Job) Pinned() bool { return false }

// Buffer is not available in pure-Go builds.
func (j *Job) Buffer(slot int) ([]byte, error) { return nil, ErrUnavailable }

// Upload is not available in pure-Go builds.
func (j *Job) Upload(slot, n int) error { return ErrUnavailable }

// Close does nothing in pure-Go builds.
func (j *Job) Close() {}

// PCF is not available in pure-Go builds.
func (j *Job) PCF(b *Block, slot int, cancel <-chan struct{}) error { return ErrUnavailable }
