// Package ooc computes the pCF of image time series larger than memory.
//
// One sequential pass over the input frames writes them into a scratch
// folder in pieces of full image rows, each input sample once, the frames
// of a piece contiguous. On the CPU the in-memory engine's own sliding
// window of spectra (pcf.Stream) then runs over the pieces in order and
// writes the output a band of full rows at a time, so no spectrum is
// computed twice; the memory budget chooses the band, and a budget that
// does not hold the spectra of the rows one row's pairs reach
// (pcf.Geometry.SpectraRows(1): radius+1 for the circle) is refused
// (ErrBudget, with the smallest budget that works). On a GPU the scratch holds tiles with a
// halo of 2*radius pixels, each computed alone by the device. The output
// is a .npy file, a TIFF or a Zarr v2 folder; the peak memory stays within
// the budget, and the result equals the in-memory result bit for bit.
//
// The work is journaled: killed at any point, a rerun of the same job
// resumes from the chunks and bands (tiles) already finished and writes
// the same bytes. The output appears under its final name only when
// complete.
package ooc
