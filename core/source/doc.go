// Package source reads image time series from the files microscopes and
// analysis tools write, frame by frame, without reading a file whole:
// numpy .npy, raw binary, single-page TIFF files in a folder or glob
// (Micro-Manager), multi-page TIFF, BigTIFF and ImageJ hyperstack TIFF, in
// either byte order, with 8/16/32-bit integer and 32/64-bit float samples.
// Files are memory-mapped; a frame is a strided view into the mapping
// whenever its samples are stored contiguously (uncompressed strips).
package source
