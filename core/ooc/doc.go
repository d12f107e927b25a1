// Package ooc computes the pCF of image time series larger than memory.
//
// One sequential pass over the input frames splits them into spatial tiles
// in a scratch folder, each tile's frames contiguous; then the tiles, each
// with a halo of 2*radius pixels, are processed one after the other by the
// in-memory engine (package pcf, with all threads) and written into the
// output, a .npy file or a Zarr v2 folder. The peak memory stays within a
// budget, and the result equals the in-memory result bit for bit (the
// halo holds every pixel the engine pairs with a tile's pixels).
//
// The work is journaled: killed at any point, a rerun of the same job
// resumes from the chunks and tiles already finished and writes the same
// bytes. The output appears under its final name only when complete.
package ooc
