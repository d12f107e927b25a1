function [frames, seconds] = ipcf_delays(T, varargin)
%IPCF_DELAYS Delays of the points of the pCF curves.
%   D = IPCF_DELAYS(T) is the delay, in frames, of each point of the curves
%   IPCF_PCF returns for a series of T frames (a column): with N the
%   largest power of two <= T, a bin of delays lo..hi-1 has the delay
%   (lo+hi-1)/2, a multi-tau point its lag.
%
%   D = IPCF_DELAYS(T, Name, Value, ...) with IPCF_PCF's options of the
%   bins (case-insensitive): 'Bins' ('log', 'linear', 'multitau' or a
%   number of log bins), 'Nbins' (32), 'M' (16), and 'FrameInterval'
%   (seconds between frames; 'frame_interval' is the same).
%
%   [D, S] = IPCF_DELAYS(...) also returns the delays in seconds, D times
%   'FrameInterval' ([] when it is not given).
%
%   Example:
%     d = ipcf_delays(16384, 'Bins', 'multitau');   % 88 lags: 0..15, 16, 18, ...
%
%   See also IPCF_PCF, IPCF_LOGBINS.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_delays: T (the number of frames) is required');
end
fname = 'ipcf_delays';
d = struct('Bins', 32, 'Nbins', 32, 'M', 16, 'FrameInterval', 0);
[o, given] = ipcf_options(d, varargin, fname, {'frame_interval', 'FrameInterval'});
[tk, nbins] = ipcf_toolkit(o, given, fname, 1);
fi = ipcf_unit(o.FrameInterval, 'FrameInterval', fname, 'time');
frames = ipcf_delays_mex(T, nbins, tk);
seconds = [];
if fi > 0
  seconds = frames * fi;
end
end
