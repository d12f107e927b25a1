// Package array describes strided n-dimensional arrays that live in memory
// owned by somebody else: a numpy array, a MATLAB matrix, a memory-mapped
// file, a C buffer.
//
// A View never copies. Its strides are in bytes and may be negative, as in
// numpy's array interface, and its samples carry an explicit byte order, so
// big-endian TIFF data and column-major MATLAB arrays can be read in place.
// All validation of shapes, strides and sizes happens in New.
package array
