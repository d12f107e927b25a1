// Package npy reads and writes numpy's .npy files (format versions 1.0,
// 2.0 and 3.0) as strided array views: C or Fortran order, either byte
// order, the dtypes of package array. Reading memory-maps the file, so a
// large input is never read whole.
//
// The header dict is parsed as the Python literal numpy reads with
// ast.literal_eval, and refused where numpy could read it differently
// (duplicate, unknown or missing keys, escapes, non-tuple shapes); the
// data must fill the file exactly. Only regular files are mapped.
package npy
