function [G, info] = ipcf_acf(data, varargin)
%IPCF_ACF Autocorrelation of every pixel's series of an image time series.
%   G = IPCF_ACF(DATA) returns the autocorrelation G(tau) of each pixel of
%   DATA, indexed DATA(t, y, x) like IPCF_PCF: G is single, indexed
%   G(y, x, point), size (H, W, B), with
%     G(tau) = N * sum_t a(t) a(t+tau mod N) / (sum a)^2 - 1
%   over the first N frames (N the largest power of two <= T), averaged
%   over delay bins and smoothed as IPCF_PCF's curves: it is IPCF_PCF with
%   the single offset [0 0] (G(:, :, :) = IPCF_PCF(..., 'Offsets', [0 0])
%   without its 3rd axis). Series summing to zero and masked pixels give
%   NaN curves.
%
%   [G, INFO] = IPCF_ACF(...) also returns the axes (INFO.delays in frames,
%   INFO.delays_s in seconds when 'FrameInterval' is given; see IPCF_PCF).
%
%   IPCF_ACF(DATA, Name, Value, ...) takes the options of IPCF_PCF but for
%   'Offsets', 'Radius' and 'Points': 'Bins' ('log', 'linear', 'multitau'
%   or a number of log bins), 'Nbins', 'M', 'Smooth', 'Threshold', 'Data2'
%   (the cross-correlation of two channels per pixel), 'Delta' (with
%   'Data2': G(a->b) - G(b->a); without 'Data2' it is 0 up to rounding,
%   about 1e-8, as both directions of an autocorrelation are one curve),
%   'Bleach', 'BleachMean', 'Threads', 'Mask',
%   'Layout' ('tyx', 'yxt' for an imread stack DATA(y, x, t), or 'xyt';
%   read in place, warning ipcf:layout when the time axis looks misplaced),
%   'Device', 'FrameInterval', 'PixelSize'.
%
%   Example:
%     data = permute(uint16(randi(100, 16, 16, 4096)), [3 1 2]);  % (t, y, x)
%     [G, info] = ipcf_acf(data, 'Bins', 'multitau', 'FrameInterval', 1e-4);
%     semilogx(info.delays_s(2:end), squeeze(mean(mean(G(:, :, 2:end), 1), 2)));
%
%   See also IPCF_PCF, IPCF_DELAYS, IPCF_FIT, IPCF_PCF_ERRORS.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_acf: DATA is required');
end
d = struct('Bins', 32, 'Nbins', 32, 'M', 16, 'Smooth', 0.7, 'Threshold', [], 'Data2', [], 'Delta', false, ...
           'Bleach', 0, 'BleachMean', 'real', 'Threads', 0, 'Mask', [], 'Layout', 'tyx', 'Device', 'auto', ...
           'FrameInterval', 0, 'PixelSize', 0);
[o, given] = ipcf_options(d, varargin, 'ipcf_acf', {'frame_interval', 'FrameInterval'; 'pixel_size', 'PixelSize'});
o.Radius = 1;   % not used with an offset list
o.Points = 1;
o.Offsets = [0 0];
if nargout > 1
  [G, info] = ipcf_pcf_run(data, o, given, 'ipcf_acf', true);
else
  G = ipcf_pcf_run(data, o, given, 'ipcf_acf', true);
end
G = reshape(G, size(G, 1), size(G, 2), size(G, 4));
end
