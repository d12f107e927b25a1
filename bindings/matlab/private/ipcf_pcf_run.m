function [G, info] = ipcf_pcf_run(data, o, given, fname, acf, errs)
%IPCF_PCF_RUN The work of IPCF_PCF, IPCF_ACF and IPCF_PCF_ERRORS (ACF true: the offset (0, 0)).
%   O holds every option of IPCF_PCF (from IPCF_OPTIONS), GIVEN the names
%   given. Returns G(y, x, offset, point) and, when asked for, INFO (see
%   the help of IPCF_PCF). ERRS (optional) is [] or the struct of the error
%   bars (Method: 0 blocking, 1 segments; Segments): G is then their error
%   bars (ipcf_pcf_errors), of the same shape.
if nargin < 6
  errs = [];
end
layout = ipcf_layout(o.Layout, fname);
bmean = ipcf_mean(o.BleachMean, fname);
device = ipcf_device(o.Device, fname);
frame_interval = ipcf_unit(o.FrameInterval, 'FrameInterval', fname, 'time');
pixel_size = ipcf_unit(o.PixelSize, 'PixelSize', fname, 'length');
if acf
  o.Offsets = [0 0];
end
[tk, nbins, preset] = ipcf_toolkit(o, given, fname, o.Radius);
data2 = o.Data2;
vzero = isnumeric(o.Offsets) && ndims(o.Offsets) == 2 && size(o.Offsets, 2) == 2 && ~isempty(o.Offsets) && all(o.Offsets(:, 2) == 0);
if (strcmp(preset, 'line') || vzero) && ndims(data) == 2 && ~isempty(data) && (isnumeric(data) || islogical(data))
  % line scans as a 2-D (time, x) array (or (x, time) with Layout 'xyt' or
  % 'yxt'): one row. Reshaping keeps the data shared (no copy).
  if layout == 2
    line = @(a) reshape(a, 1, size(a, 1), size(a, 2));   % (x, t) -> (y=1, x, t)
  else
    line = @(a) reshape(a, size(a, 1), 1, size(a, 2));   % (t, x) -> (t, 1, x); (x, t) -> (x, 1, t)
  end
  if ndims(data2) == 2 && isequal(size(data2), size(data))
    data2 = line(data2);
  end
  data = line(data);
end
ipcf_layout_check(data, layout, fname);
tk.Data2 = data2;
mask = ipcf_mask(o.Mask);
args = {data, o.Radius, o.Points, nbins, o.Bleach, bmean, o.Threads, layout, mask, device, tk, errs};
if nargout < 2
  G = ipcf_mex_call(fname, @ipcf_pcf_mex, args{:});
else
  [G, delays] = ipcf_mex_call(fname, @ipcf_pcf_mex, args{:});
end
if ~isempty(G) && ~any(isfinite(G(:)))
  % Every curve NaN, without a word (a mask of no computed pixel, a
  % threshold above every pixel's mean: REVIEW12's F4), as Python warns.
  why = {};
  if ~isempty(mask)
    why{end + 1} = 'the mask';
  end
  if ~isempty(o.Threshold) && double(o.Threshold(1)) > -Inf   % (-Inf is none: REVIEW13's m4)
    why{end + 1} = sprintf('''Threshold'' %.17g', double(o.Threshold(1)));
  end
  if isempty(why)
    why = 'pixels whose series sum to zero or hold NaN';
  else
    why = ['check ' strjoin(why, ' and ')];
  end
  what = 'curve';
  if ~isempty(errs)
    what = 'error bar';   % (of curves all NaN: said as the curves are, PARITY20's m1)
  end
  warning('ipcf:all_nan', '%s: every %s is NaN (%s)', fname, what, why);
end
if nargout < 2
  return
end

% INFO: the axes of G.
if layout == 0
  T = size(data, 1);
else
  T = size(data, 3);
end
switch preset
  case 'circle'
    uv = ipcf_offsets_mex(0, o.Radius, o.Points);
    margin = [o.Radius o.Radius];
  otherwise
    uv = double(tk.Offsets);
    margin = [max(abs(uv(:, 2))) max(abs(uv(:, 1)))];
end
modes = {'log', 'linear', 'multitau'};
info = struct();
info.delays = delays;
info.delays_s = [];
if frame_interval > 0
  info.delays_s = delays * frame_interval;
end
info.offsets = uv;
info.distances = sqrt(uv(:, 1) .^ 2 + uv(:, 2) .^ 2);
info.distances_um = [];
if pixel_size > 0
  info.distances_um = info.distances * pixel_size;
end
info.rows = margin(1) + (1:size(G, 1))';
info.columns = margin(2) + (1:size(G, 2))';
info.bins = modes{tk.BinMode + 1};
info.m = [];   % multi-tau channels a level (IPCF_FIT averages each point over its blocks)
if tk.BinMode == 2
  info.m = 16;
  if isfield(tk, 'M')
    info.m = double(tk.M);
  end
end
info.delta = logical(tk.Delta);
info.smooth = double(tk.Smooth);   % 0: no smoothing (IPCF_FIT warns about smoothed curves)
info.frames_used = pow2(floor(log2(double(T - 2 * o.Bleach))));   % the bleaching correction drops 2*Bleach frames
info.frame_interval = frame_interval;
info.pixel_size = pixel_size;
end
