function G = ipcf_pcf(data, varargin)
%IPCF_PCF Image pair correlation function (pCF) of an image time series.
%   G = IPCF_PCF(DATA) returns the pCF of DATA, indexed DATA(t, y, x): time
%   first, then image row y and column x, as MATLAB sees the array. DATA may
%   be uint8, uint16, int16, int32, single or double; it is read in place (no
%   copy). Only the first power-of-two frames are used.
%
%   G is single, indexed G(y, x, point, bin): size (H-2R, W-2R, Points, B)
%   for an H x W image, with B <= Bins log-spaced delay bins (duplicates
%   removed). G(y, x, i, :) correlates pixel (y+R, x+R) of DATA with its
%   neighbour at circle point i (see IPCF_CIRCLE). Curves of pixels whose
%   series sums to zero, and masked pixels, are NaN.
%
%   G = IPCF_PCF(DATA, Name, Value, ...) with options (case-insensitive):
%     'Radius'      circle radius in pixels (6)
%     'Points'      circle points (32)
%     'Bins'        requested log bins (32)
%     'Bleach'      photobleaching filter size, 0 = off (0)
%     'BleachMean'  'real' (exact) or 'floor' (the tutorial's Cython) ('real')
%     'Threads'     worker threads, 0 = all cores (0)
%     'Mask'        H x W array; zero pixels are not computed ([])
%     'Layout'      'tyx' (DATA(t, y, x), default) or 'xyt' (DATA(x, y, t),
%                   e.g. an image stack loaded frame by frame)
%     'Device'      'auto' (a CUDA GPU when usable, else the CPU), 'cpu',
%                   'cuda' or 'cuda:N' (error ipcf:no_device if unusable)
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
%   See also IPCF_CIRCLE, IPCF_LOGBINS, IPCF_CORRECT_BLEACHING.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_pcf: DATA is required');
end
d = struct('Radius', 6, 'Points', 32, 'Bins', 32, 'Bleach', 0, 'BleachMean', 'real', ...
           'Threads', 0, 'Mask', [], 'Layout', 'tyx', 'Device', 'auto');
o = ipcf_options(d, varargin, 'ipcf_pcf');
G = ipcf_pcf_mex(data, o.Radius, o.Points, o.Bins, o.Bleach, ipcf_mean(o.BleachMean, 'ipcf_pcf'), ...
                 o.Threads, ipcf_layout(o.Layout, 'ipcf_pcf'), o.Mask, ipcf_device(o.Device));
end
