function [G, info] = ipcf_pcf(data, varargin)
%IPCF_PCF Image pair correlation function (pCF) of an image time series.
%   G = IPCF_PCF(DATA) returns the pCF of DATA, indexed DATA(t, y, x): time
%   first, then image row y and column x, as MATLAB sees the array. DATA may
%   be uint8, uint16, int16, int32, single or double; it is read in place (no
%   copy). Only the first power-of-two frames are used. A T x H array is a
%   stack of one column (MATLAB drops the trailing 1 of T x H x 1), a T x 1
%   array one pixel's trace; with the 'line' offsets, or any offsets whose
%   row offsets v are all 0 (as IPCF_ACF's [0 0]), a 2-D array is a line
%   scan (t, x) instead, as the CLI and Python take it: G is then 1 x X x
%   ..., and a 'Mask' of a line scan is 1 x X.
%
%   G is single, indexed G(y, x, point, bin): size (H-2R, W-2R, Points, B)
%   for an H x W image, with B <= Bins log-spaced delay bins (duplicates
%   removed). G(y, x, i, :) correlates pixel (y+R, x+R) of DATA with its
%   neighbour at circle point i (see IPCF_CIRCLE). Curves of pixels whose
%   series sums to zero, and masked pixels, are NaN (a result of NaN curves
%   alone warns ipcf:all_nan: a mask of nothing, a threshold above every
%   pixel's mean).
%
%   [G, INFO] = IPCF_PCF(...) also returns the axes of G in a struct:
%     delays        the delay of each curve point (G's 4th axis) in frames:
%                   (lo+hi-1)/2 for a bin of delays lo..hi-1, a multi-tau
%                   point's lag (a column, see IPCF_DELAYS)
%     delays_s      the same in seconds ([] unless 'FrameInterval' is given)
%     offsets       the k x 2 offsets [u v] of G's 3rd axis: the neighbour
%                   of pixel (y, x) is (y+v, x+u)
%     distances     their lengths sqrt(u^2+v^2) in pixels (a column)
%     distances_um  the same in micrometres ([] unless 'PixelSize' is given)
%     rows, columns the rows and columns of DATA (1-based) of G's 1st and
%                   2nd axes
%     bins          'log', 'linear' or 'multitau'
%     m             multi-tau channels a level ([] for log and linear bins)
%     frames_used   the frames used (the largest power of two <= T, or
%                   <= T - 2*Bleach with the bleaching correction)
%     frame_interval, pixel_size  as given (0 = unknown)
%     delta         true for delta-CCFs ('Delta', true)
%     smooth        the smoothing weight (0: none; IPCF_FIT warns about
%                   fits to smoothed curves)
%   IPCF_FIT takes INFO ('Info', INFO) for the delays, offsets and units.
%
%   G = IPCF_PCF(DATA, Name, Value, ...) with options (case-insensitive):
%     'Radius'      circle radius in pixels (6); the radius of the 'disk'
%                   and 'line' presets too
%     'Points'      circle points (32); 'Npoints' is the same option;
%                   with the 'disk' or 'line' Offsets it is ignored, with
%                   the warning ipcf:ignored
%     'Bins'        the delay bins: 'log' (logarithmic, the tutorial's,
%                   default), 'linear' (evenly spaced) or 'multitau' (a
%                   multi-tau correlator, 'M' channels per level); or, as
%                   before, a number: the requested log bins
%     'Nbins'       requested bins of 'log' and 'linear' (32; with
%                   'multitau' ignored, warning ipcf:ignored)
%     'Bleach'      photobleaching filter size, 0 = off (0); data that are
%                   not counts in 0..65535 warn ipcf:counts
%     'BleachMean'  'real' (exact) or 'floor' (the tutorial's Cython) ('real')
%     'Threads'     worker threads, 0 = all cores (0)
%     'Mask'        H x W logical or numeric array; zero pixels are not
%                   computed ([] or '': none)
%     'Layout'      where the time axis is: 'tyx' (DATA(t, y, x), default),
%                   'yxt' (DATA(y, x, t): a stack read with imread or
%                   tiffread, frame k is DATA(:, :, k)) or 'xyt'
%                   (DATA(x, y, t), numpy's (t, y, x) bytes as they lie).
%                   Every layout is read in place (no copy, no permute) and
%                   gives the same G, bit for bit, as 'tyx' on the permuted
%                   DATA; 'Data2' and 'Mask' follow it ('Mask' stays
%                   H x W). With fewer frames than rows or columns the
%                   time axis is probably elsewhere: warning ipcf:layout.
%     'Device'      'auto' (a CUDA GPU when usable, else the CPU), 'cpu',
%                   'cuda' or 'cuda:N' (error ipcf:no_device if unusable;
%                   the GPU computes one channel with log bins and the
%                   default smoothing, any 'Offsets': 'auto' runs the
%                   others on the CPU)
%   The correlation toolkit (library 0.3):
%     'Offsets'     the neighbours: 'circle' (default: 'Points' points on
%                   a circle of 'Radius', margin Radius on both axes),
%                   'disk' (every offset within 'Radius' but (0, 0), the
%                   2-D pCF), 'line' ((u, 0) for u = -Radius..-1, 1..Radius,
%                   for line scans: DATA (T, 1, W), or a T x W matrix), or
%                   a k x 2 matrix [u v] of any offsets (u columns, v rows;
%                   [0 0] is the autocorrelation, see IPCF_ACF); G is then
%                   (H-2*max|v|, W-2*max|u|, k, B). See IPCF_OFFSETS.
%     'Data2'       a second channel, DATA's size and class: G correlates
%                   the pixel's series of DATA with the neighbour's of
%                   DATA2 ([] = DATA)
%     'M'           multi-tau channels per level, even, 2..4096 (16; with
%                   other bins ignored, warning ipcf:ignored)
%     'Smooth'      smoothing weight w of the previous point, 0 <= w < 1:
%                   c(i) = (1-w)*c(i) + w*c(i-1) forwards, then backwards;
%                   0 = off (0.7, the tutorial's). G(:, :, :, 1) is
%                   G(:, :, :, 2) before smoothing, always.
%     'Threshold'   pixels whose mean over the frames used is <= Threshold
%                   get NaN curves ([] = none)
%     'Delta'       true: the delta-CCF G(p->q) - G(q->p) (false)
%     'FrameInterval'  seconds between frames, for INFO.delays_s (0 = unknown;
%                   else 1e-12 to 1e6, as every host and fit takes them);
%                   'frame_interval' is the same option
%     'PixelSize'   micrometres, for INFO.distances_um (0 = unknown; else
%                   1e-6 to 1e6); 'pixel_size' is the same option
%
%   Whole-number options must be real whole numbers within range: 2.7,
%   NaN, Inf, 2^31, true, '3' or [2 3] raise ipcf:invalid_argument naming
%   the option and are never rounded or truncated. Each option is given at
%   most once; an unknown one is an error that lists the valid names.
%
%   Errors have identifiers ipcf:<status>, e.g. ipcf:invalid_argument,
%   ipcf:unsupported_layout (a class DATA cannot be: char, cell, struct,
%   logical, complex, sparse, int8, ...), ipcf:cancelled (Ctrl+C).
%
%   Example:
%     data = permute(uint16(randi(100, 32, 32, 1024)), [3 1 2]);  % (t, y, x)
%     G = ipcf_pcf(data, 'Radius', 4, 'Points', 16, 'Bins', 16);
%     imagesc(G(:, :, 1, 8));
%
%   Example of a stack read with imread, frame by frame (y, x, t):
%     info = imfinfo('stack.tif'); stack = zeros(info(1).Height, info(1).Width, numel(info), 'uint16');
%     for k = 1:numel(info), stack(:, :, k) = imread('stack.tif', k); end
%     G = ipcf_pcf(stack, 'Layout', 'yxt');    % no permute needed
%
%   Example of the toolkit: the 2-D pCF with linear bins, and its delays
%     [G, info] = ipcf_pcf(data, 'Offsets', 'disk', 'Radius', 2, 'Bins', 'linear', ...
%                          'Nbins', 16, 'FrameInterval', 1e-3);
%     plot(info.delays_s, squeeze(G(10, 10, 1, :)));
%
%   See also IPCF_ACF, IPCF_PCF_ERRORS, IPCF_FIT, IPCF_OFFSETS, IPCF_DELAYS, IPCF_CIRCLE, IPCF_LOGBINS,
%   IPCF_CORRECT_BLEACHING.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_pcf: DATA is required');
end
d = struct('Radius', 6, 'Points', 32, 'Bins', 32, 'Bleach', 0, 'BleachMean', 'real', ...
           'Threads', 0, 'Mask', [], 'Layout', 'tyx', 'Device', 'auto', 'Offsets', 'circle', ...
           'Data2', [], 'Nbins', 32, 'M', 16, 'Smooth', 0.7, 'Threshold', [], 'Delta', false, ...
           'FrameInterval', 0, 'PixelSize', 0);
[o, given] = ipcf_options(d, varargin, 'ipcf_pcf', {'Npoints', 'Points'; 'frame_interval', 'FrameInterval'; 'pixel_size', 'PixelSize'});
if nargout > 1
  [G, info] = ipcf_pcf_run(data, o, given, 'ipcf_pcf', false);
else
  G = ipcf_pcf_run(data, o, given, 'ipcf_pcf', false);
end
end
