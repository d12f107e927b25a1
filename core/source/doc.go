// Package source reads image time series from the files microscopes and
// analysis tools write, frame by frame, without reading a file whole:
// numpy .npy, raw binary, single-page TIFF files in a folder or glob
// (Micro-Manager), multi-page TIFF, BigTIFF and ImageJ hyperstack TIFF, in
// either byte order, with 8/16/32-bit integer and 32/64-bit float samples.
// A page's samples are its values, as ImageJ reads them, also where ImageJ
// saved a lookup table with them (an inverted one as WhiteIsZero, a colour
// one as a palette). Files are memory-mapped; a frame is a strided view into the mapping
// whenever its samples are stored contiguously (uncompressed strips).
//
// OpenChannel reads one channel of a multi-channel ImageJ hyperstack
// (channels with frames or slices, in ImageJ's order: channel c of time
// point t is image t*channels + c) or OME-TIFF (one image whose planes are
// all in the file, in its DimensionOrder); Open refuses such a file,
// naming the option that selects a channel. Channels are 0-based here and
// numbered from 1, as ImageJ does, in messages; a channel an input does
// not have is an error wrapping ErrChannel.
//
// What it cannot read as one grayscale time frame per page or file it
// refuses with an error that names the file and the feature, rather than
// read something else: tiled, compressed or multi-sample TIFF, pages of
// colour (RGB, CMYK, YCbCr, a transparency mask) or not upright
// (Orientation), ImageJ and
// OME-TIFF files of several channels without a channel selected (or of
// slices and frames), folders that
// hold several series (Micro-Manager channels, positions, Pos0 and Pos1),
// raw files whose size is not exactly the shape's, and anything that is
// not a regular file (a named pipe is refused without being opened, so it
// never blocks). An existing path is always taken literally; only a path
// that does not exist is a glob pattern.
//
// UnitsOf returns the physical units a source's metadata records, the
// frame interval in seconds and the pixel size in micrometres (0 where
// unknown), from OME-XML, ImageJ descriptions with the resolution tags, or
// Micro-Manager's metadata (the image tag, the summary in the header, or
// metadata.txt beside single-page files). Metadata never makes a file
// unreadable: what is missing or malformed is unknown.
package source
