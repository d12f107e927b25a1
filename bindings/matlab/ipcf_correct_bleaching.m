function out = ipcf_correct_bleaching(data, varargin)
%IPCF_CORRECT_BLEACHING Photobleaching correction of an image time series.
%   OUT = IPCF_CORRECT_BLEACHING(DATA, 'FilterSize', F) filters each pixel's
%   series with the tutorial's double exponential filter, rescales it around
%   its mean, rounds half away from zero and clips to [0, 65535]. The first and
%   last F frames are dropped. DATA(t, y, x) as in IPCF_PCF; OUT keeps DATA's
%   integer class (uint16 for single/double) and axis order.
%
%   Options: 'FilterSize' (1024), 'Mean' ('real' or 'floor'; 'BleachMean'
%   is the same option, as IPCF_PCF names it), 'Threads' (0),
%   'Layout' ('tyx', 'yxt' or 'xyt', as in IPCF_PCF: read and written in
%   place, OUT in DATA's layout; warning ipcf:layout when the time axis
%   looks misplaced). Data that are not counts in 0..65535 (fractions,
%   negatives, larger values, NaN) warn ipcf:counts: the rounding and
%   clipping change them beyond recognition.
%
%   Example:
%     corrected = ipcf_correct_bleaching(data, 'FilterSize', 256);
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_correct_bleaching: DATA is required');
end
d = struct('FilterSize', 1024, 'Mean', 'real', 'Threads', 0, 'Layout', 'tyx');
% 'BleachMean' as ipcf_pcf names it (it was an unknown option: FRONT16's m4)
o = ipcf_options(d, varargin, 'ipcf_correct_bleaching', {'BleachMean', 'Mean'});
layout = ipcf_layout(o.Layout, 'ipcf_correct_bleaching');
ipcf_layout_check(data, layout, 'ipcf_correct_bleaching');
out = ipcf_mex_call('ipcf_correct_bleaching', @ipcf_correct_bleaching_mex, data, o.FilterSize, ...
                    ipcf_mean(o.Mean, 'ipcf_correct_bleaching', 'Mean'), o.Threads, layout);
end
