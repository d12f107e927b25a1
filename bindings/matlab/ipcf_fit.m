function [maps, info] = ipcf_fit(G, varargin)
%IPCF_FIT Fit a physical model to every correlation curve: the parameters' maps.
%   MAPS = IPCF_FIT(G, 'Info', INFO) fits the 1-D pCF model to every curve
%   of [G, INFO] = IPCF_PCF(...), by Levenberg-Marquardt with the models'
%   analytic derivatives, in the library (ipcf_fit of libipcf 0.3), on all
%   cores. The models and the fitter are the library's (go doc ./core/fit
%   in the project); the fits are the same numbers, bit for bit, as the
%   maps of the CLI, `ipcf fit RESULT.npy -o MAPS.npy`, for the same curves.
%
%   G is the output of IPCF_PCF, G(y, x, offset, point), or of IPCF_ACF,
%   G(y, x, point), or of IPCF_READ on a result file (single; other real
%   classes are rounded to single); a matrix G(curve, point) or a vector
%   (one curve) is fitted too (its curves at the offset [0 0] unless
%   'Offsets' gives one pair). Curves holding a NaN (masked pixels) fail:
%   NaN parameters, status 3.
%
%   MAPS is a struct of maps, one field per parameter and derived
%   parameter (in INFO.names' order), each single: size (H, W, K) when each
%   of a pixel's K offsets is fitted alone, (H, W) for a joint fit, the ACF
%   models and 'ccf2d' (a matrix G: a column, one value per curve):
%     pcf1d      DC, D, tauD, tau_peak (the delay of the fitted curve's
%                maximum, max(d^2 - W^2, 0)/(4 D) at the offset's distance d;
%                joint: only when every offset has the same distance)
%     acf2d/3d   G0, D [, v] [, Ginf], tauD
%     ccf2d      G0, D, vx, vy [, Ginf], tauD, speed, angle
%     itir       G0, D [, vx, vy] [, Ginf], tauD [, speed, angle]
%   with tauD = W^2/(4 D) and the angle of (vx, vy) in degrees from the
%   columns' axis (x, u) towards the rows' (y, v); and
%     MAPS.stderr        a struct of the same fields: the standard errors
%                        (derived ones to first order, speed and
%                        angle with the vx-vy covariance); with 'Sigma' not
%                        rescaled by the reduced chi-square
%     MAPS.chisq         single, each fit's chi-square (weighted by
%                        1/Sigma^2 when given)
%     MAPS.status        uint8, each fit's outcome: 0 converged, 1 converged
%                        with a parameter on a bound, 2 out of iterations,
%                        3 failed
%     MAPS.status_names  {'converged', 'at bound', 'max iterations',
%                        'failed'}: the name of status s is status_names{s+1}
%
%   [MAPS, INFO] = IPCF_FIT(...) also returns what was fitted:
%     model, names       the model and the parameters' names (a cell row)
%     units              a struct: the unit of each parameter: D in
%                        'um^2/s' when the pixel size and the frame interval
%                        are known, else 'px^2/frame' ('um^2/frame',
%                        'px^2/s'); speeds 'um/s' ('px/frame', ...); times
%                        's' ('frame'); 'deg'; '1' (G0, DC, Ginf)
%     waist, waist_um    the PSF waist in pixels, and in micrometres ([]
%                        without a pixel size)
%     kappa, pixel_side  the constants of 'acf3d' and 'itir' ([] otherwise)
%     pixel_size, frame_interval  the units (0 = unknown)
%     joint, flow, ginf, delta    the options (joint: true for 'ccf2d')
%     offsets            the k x 2 [u v] offsets of the curves fitted ([] for
%                        the ACF models)
%     delays             the delays of the points (a column, frames unless
%                        given in another unit)
%     counts             the number of fits with each status (fields
%                        converged, at_bound, max_iterations, failed)
%     status_names       as MAPS.status_names
%     rows, columns      INFO.rows and INFO.columns of the 'Info' given
%     warnings           a cell row of what makes the maps doubtful: curves
%                        smoothed ('Info' with smooth > 0, the default of
%                        IPCF_PCF: the parameters are biased; compute the
%                        curves with 'Smooth', 0), also raised as warning
%                        ipcf:smoothed
%
%   Options (case-insensitive name-value pairs):
%     'Model'      'pcf1d' (default): G = DC W^2/q exp(-d^2/q), q = 4 D tau
%                  + W^2, at each offset's distance d (ICSx64's 1-D pCF;
%                  negative points are clipped to 0); 'acf2d': G = G0 W^2/q
%                  [exp(-v^2 tau^2/q)] [+ Ginf] of the curves at the offset
%                  [0 0]; 'acf3d': acf2d / sqrt(1 + 4 D tau/(kappa W)^2);
%                  'ccf2d': G = G0 W^2/q exp(-|R - v tau|^2/q) [+ Ginf] at
%                  each offset R = (u, v) (delta-CCFs: forward minus
%                  backward), a pixel's offsets fitted together (they must
%                  lie in two directions, or on one axis, a line scan's,
%                  the velocity across it held at 0); 'itir': imaging FCS, square
%                  camera pixels of side 'PixelSide' (Sankaran 2009)
%     'Info'       INFO of IPCF_PCF or IPCF_ACF ([G, INFO] = ...), or META
%                  of IPCF_READ ([G, META] = IPCF_READ('result.npy')): the
%                  delays, the offsets, the delta flag and the units are
%                  taken from it (the options below override them); with
%                  log or linear bins (INFO.bins, META.bins_mode) the
%                  model is averaged over each bin's lags, as the points
%                  are means of G over them (not with 'Delays' given), and
%                  over each multi-tau point's blocks (INFO.m,
%                  META.multitau_m; with 'Delays' too, in frames)
%     'Delays'     the delay of each point in frames (INFO.delays; not
%                  INFO.delays_s: give 'FrameInterval' for results per
%                  second); required without 'Info'
%     'Offsets'    the k x 2 [u v] offset of each curve of G (u columns, v
%                  rows), as given to IPCF_PCF (IPCF_CIRCLE(Radius, Points)
%                  for its default circle); required without 'Info' for a
%                  4-D G, but for the ACF models when G has one curve per
%                  pixel. The ACF models fit the curves at [0 0] only.
%     'Sigma'      the error bars of the points (IPCF_PCF_ERRORS), G's size
%                  (for IPCF_ACF's curves also (H, W, 1, B)): the fits are
%                  weighted by 1/Sigma^2; a point whose error bar is not
%                  positive fails its curve's fit ([] = unweighted)
%     'Waist'      the PSF waist (1/e^2 radius) in pixels; default 2 pixels
%                  (the simulator's PSF, sigma 1 pixel) for data without a
%                  pixel size; data with a pixel size need 'Waist' or
%                  'WaistUm'
%     'WaistUm'    the waist in micrometres (needs the pixel size)
%     'Kappa'      'acf3d' (required there only): the axial / lateral waist
%     'PixelSide'  'itir': the side of a camera pixel in pixels (1)
%     'Joint'      'pcf1d', 'itir': fit each pixel's curves together, one
%                  set of parameters per pixel (false; 'ccf2d' always does)
%     'Flow'       'acf2d', 'acf3d': fit a flow speed v; 'itir': a velocity
%                  (vx, vy), with 'Joint' over offsets in two directions
%                  (else refused: its mirror image fits as well) (false)
%     'Ginf'       fit a constant offset Ginf (false; not 'pcf1d', nor
%                  delta-CCFs)
%     'Delta'      the curves are delta-CCFs (IPCF_PCF's 'Delta', true;
%                  'ccf2d' only); default: INFO.delta, else false
%     'FrameInterval'  seconds per frame: the results per second (default:
%                  [] or not given: INFO's, else per frame; 0: none, the results per frame,
%                  where ipcf fit's --frame-interval 0 keeps the result's);
%                  'frame_interval' too
%     'PixelSize'  micrometres per pixel: the results in micrometres
%                  (default, or []: INFO's, else in pixels; 0: none, the results
%                  in pixels); 'pixel_size' too
%     'First', 'Last'  points left out at the start and the end of each
%                  curve (1, 1: the first point repeats the second, the
%                  last reaches the correlation's wrap-around)
%     'MaxIter'    the most trial steps of a fit ([] = 200)
%     'Threads'    worker threads, 0 = all cores (0); the fits do not
%                  depend on it
%   The fits run in pixels and in the delays' unit; 'PixelSize' and
%   'FrameInterval' only convert the results (D in um^2/s, ...). They are
%   taken from 1e-6 to 1e6 um and 1e-12 to 1e6 s, the waist from 1e-6 to
%   1e6 pixels: beyond them the single-precision maps would hold Inf or 0.
%
%   Errors have identifiers ipcf:<status>: ipcf:invalid_argument for a bad
%   option, an option the model does not take, missing delays or offsets,
%   NaN, negative or descending delays, too few points;
%   ipcf:unsupported_layout for curves or error bars that are not real
%   numbers; ipcf:cancelled for Ctrl+C.
%
%   Example: the pCF of a simulated series, fitted pixel by pixel
%     data = ipcf_read('sim.npy');                 % data(t, y, x)
%     [G, info] = ipcf_pcf(data, 'Offsets', [0 0; 4 0; 0 4; -4 0; 0 -4], ...
%                          'Bins', 'multitau', 'Smooth', 0);
%     maps = ipcf_fit(G, 'Info', info, 'Model', 'pcf1d', 'Joint', true);
%     imagesc(maps.D); colorbar;                   % px^2/frame
%     [maps, fi] = ipcf_fit(G, 'Info', info, 'Model', 'acf2d', 'Ginf', true);
%     fi.units.D, fi.counts
%
%   Example: a result file of the CLI (ipcf pcf ... -o r.npy)
%     [G, meta] = ipcf_read('r.npy');
%     maps = ipcf_fit(G, 'Info', meta, 'Model', 'pcf1d');
%
%   An 'Info' whose result has error bars (META.errors) fitted without
%   'Sigma' warns ipcf:unweighted ('Sigma', [] fits unweighted without it).
%
%   See also IPCF_PCF, IPCF_ACF, IPCF_PCF_ERRORS, IPCF_READ, IPCF_CIRCLE.
fname = 'ipcf_fit';
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_fit: G is required');
end
d = struct('Model', 'pcf1d', 'Info', [], 'Delays', [], 'Offsets', [], 'Sigma', [], 'Waist', [], ...
           'WaistUm', [], 'Kappa', [], 'PixelSide', [], 'Joint', false, 'Flow', false, 'Ginf', false, ...
           'Delta', [], 'FrameInterval', [], 'PixelSize', [], 'First', 1, 'Last', 1, 'MaxIter', [], 'Threads', 0);
[o, given] = ipcf_options(d, varargin, fname, {'frame_interval', 'FrameInterval'; 'pixel_size', 'PixelSize'});
isgiven = @(name) any(strcmp(given, name));
% [] is "not given" for the Info's fields, as ipcf_fit's defaults hold it: 'FrameInterval', [] dropped the Info's
% frame interval, D per frame without a word where the caller forwarded an unset option (OCT18's m6)
% ('Sigma', [] is given: unweighted, without the warning below)
isset = @(name) isgiven(name) && ~(isnumeric(o.(name)) && isempty(o.(name)));

models = {'pcf1d', 'acf2d', 'acf3d', 'ccf2d', 'itir'};
model = lower(ipcf_text(o.Model, 'Model', fname));
code = find(strcmp(model, models)) - 1;
if isempty(code)
  error('ipcf:invalid_argument', '%s: Model ''%s'': want ''pcf1d'', ''acf2d'', ''acf3d'', ''ccf2d'' or ''itir''', ...
        fname, model);
end
acf = code == 1 || code == 2;

% The curves: (H, W, K, P), read in place when single.
G = numbers(G, 'G', fname);
if isempty(G)
  error('ipcf:invalid_argument', '%s: G is empty (size %s)', fname, mat2str(size(G)));
end
sz = size(G);
switch ndims(G)
  case 4
    H = sz(1); W = sz(2); K = sz(3); P = sz(4); has_k = true;
  case 3
    H = sz(1); W = sz(2); K = 1; P = sz(3); has_k = false;
  case 2
    if isvector(G)
      H = 1; W = 1; K = 1; P = numel(G);
    else
      H = sz(1); W = 1; K = 1; P = sz(2);
    end
    has_k = false;
  otherwise
    error('ipcf:invalid_argument', '%s: G has %d dimensions, want (rows, columns, offsets, delays) of ipcf_pcf, (rows, columns, delays) of ipcf_acf, or (curves, delays)', ...
          fname, ndims(G));
end

% What INFO (or a result's META) gives; the options override it.
delays = [];
uv = [];
fi = 0;
ps = 0;
delta = false;
rows = [];
columns = [];
binned = false;
multitau_m = -1;   % multi-tau points: their m (0: read from the delays); -1: not
fit_warnings = {};
if isgiven('Info') && ~(isnumeric(o.Info) && isempty(o.Info))
  [delays, uv, fi, ps, delta, rows, columns, binned, multitau_m] = from_info(o.Info, fname);
  if isfield(o.Info, 'smooth') && isnumeric(o.Info.smooth) && isscalar(o.Info.smooth) && o.Info.smooth > 0
    fit_warnings{end + 1} = sprintf(['the curves are smoothed (smooth %g): the models describe unsmoothed curves, and ' ...
        'fits to smoothed ones give biased parameters (D 0.2 for 0.5 in a test); compute the curves with ''Smooth'', 0, ' ...
        'best with ''Bins'', ''multitau'''], o.Info.smooth);
    warning('ipcf:smoothed', '%s: %s', fname, fit_warnings{end});
  end
end
info_delays = delays;
if isset('Delays')
  delays = o.Delays;
  binned = false;   % the caller's delays: fitted at, as given (multi-tau points, in frames, stay averaged)
end
if isset('Offsets')
  uv = o.Offsets;
end
if isset('FrameInterval')
  fi = ipcf_unit(o.FrameInterval, 'FrameInterval', fname, 'time');
end
if isset('Delays') && fi > 0 && fi ~= 1 && isnumeric(delays) && isnumeric(info_delays) && ...
    numel(delays) == numel(info_delays) && any(delays(:) ~= 0) && ...
    all(abs(double(delays(:)) - double(info_delays(:)) * fi) <= 1e-6 * abs(double(info_delays(:)) * fi))
  % the Info's delays in seconds (INFO.delay_s) given as 'Delays', with its frame interval
  % applied to the results: D was 1/frame interval times too large
  error('ipcf:invalid_argument', ['%s: ''Delays'' are the curves'' delays in seconds (INFO''s delays in frames ' ...
        'times the frame interval %g s): give them in frames (INFO.delays); the frame interval converts the results'], fname, fi);
end
if isset('PixelSize')
  ps = ipcf_unit(o.PixelSize, 'PixelSize', fname, 'length');
end
if isset('Delta')
  delta = flag(o.Delta, 'Delta', fname);
end
joint = flag(o.Joint, 'Joint', fname);
flow = flag(o.Flow, 'Flow', fname);
ginf = flag(o.Ginf, 'Ginf', fname);

% The delays: one per point.
if isempty(delays)
  error('ipcf:invalid_argument', ['%s: the delay of each point is needed: ''Delays'' (INFO.delays of ipcf_pcf, in ' ...
        'frames) or ''Info'', INFO of [G, INFO] = ipcf_pcf(...) or META of [G, META] = ipcf_read(...)'], fname);
end
if ~isnumeric(delays) || ~isreal(delays) || issparse(delays) || ~isvector(delays)
  error('ipcf:invalid_argument', '%s: Delays must be a real numeric vector, not a %s of size %s', fname, ...
        class(delays), mat2str(size(delays)));
end
if numel(delays) ~= P
  error('ipcf:invalid_argument', '%s: %d delays for curves of %d points (the last dimension of G, size %s)', ...
        fname, numel(delays), P, mat2str(sz));
end
delays = double(delays(:));
k = find(~(delays >= 0) | isinf(delays), 1);
if ~isempty(k)
  error('ipcf:invalid_argument', '%s: Delays(%d)=%g, want finite delays >= 0 (frames)', fname, k, delays(k));
end
k = find(diff(delays) <= 0, 1);
if ~isempty(k)
  error('ipcf:invalid_argument', '%s: Delays(%d)=%g after Delays(%d)=%g: want strictly ascending delays', fname, ...
        k + 1, delays(k + 1), k, delays(k));
end

% The offsets: one [u v] row per curve of a pixel.
if isa(uv, 'string') || ischar(uv)
  error('ipcf:invalid_argument', '%s: Offsets must be a k x 2 matrix [u v] (ipcf_circle(Radius, Points) for the circle), not text', fname);
end
if ~isempty(uv) && (~isnumeric(uv) || ~isreal(uv) || issparse(uv) || ndims(uv) ~= 2 || size(uv, 2) ~= 2)
  error('ipcf:invalid_argument', '%s: Offsets must be a k x 2 matrix [u v] of whole numbers, not a %s of size %s', ...
        fname, class(uv), mat2str(size(uv)));
end
if isempty(uv) && ~has_k
  uv = [0 0];   % ipcf_acf's curves, or a matrix of curves: the offset (0, 0)
end
if ~isempty(uv) && size(uv, 1) ~= K
  error('ipcf:invalid_argument', '%s: %d offsets [u v] for %d curves per pixel (size(G, 3))', fname, size(uv, 1), K);
end
select = -1;
if acf
  if ~isempty(uv)
    at0 = find(uv(:, 1) == 0 & uv(:, 2) == 0, 1);
    if isempty(at0)
      error('ipcf:invalid_argument', ['%s: Model ''%s'' fits the autocorrelation, the offset [0 0], which the curves ' ...
            'lack (compute it with ipcf_acf, or offsets including [0 0])'], fname, model);
    end
    select = at0 - 1;
  elseif K > 1
    error('ipcf:invalid_argument', ['%s: Model ''%s'' fits the curves at the offset [0 0]: give the offsets of the %d ' ...
          'curves per pixel (''Offsets'' or ''Info'')'], fname, model, K);
  end
  fitted_uv = [];
elseif isempty(uv)
  error('ipcf:invalid_argument', ['%s: Model ''%s'' needs the [u v] offset of each of the %d curves per pixel: ' ...
        '''Offsets'' (ipcf_circle(Radius, Points) for ipcf_pcf''s circle) or ''Info'', INFO of [G, INFO] = ipcf_pcf(...)'], ...
        fname, model, K);
else
  fitted_uv = double(uv);
end

% What the model takes.
why_delta = 'the curves are delta-CCFs (''Delta'', or INFO.delta): fit them with Model ''ccf2d''';
switch model
  case 'pcf1d'
    refuse(flow, 'Flow', 'it has no flow; fit a velocity with ''ccf2d'' or ''itir''');
    refuse(ginf, 'Ginf', 'ICSx64''s model has no offset');
  case {'acf2d', 'acf3d'}
    refuse(joint, 'Joint', 'it fits each autocorrelation alone');
  case 'ccf2d'
    refuse(flow, 'Flow', 'it always fits the velocity (vx, vy)');
    if ginf && delta
      error('ipcf:invalid_argument', '%s: ''Ginf'' with delta-CCFs: a delta-CCF has no offset (it cancels between the two directions)', fname);
    end
end
if delta && ~strcmp(model, 'ccf2d')
  error('ipcf:invalid_argument', '%s: Model ''%s'': %s', fname, model, why_delta);
end
if strcmp(model, 'ccf2d') && H > 1 && W > 1 && ~isempty(fitted_uv)
  % ccf2d holds the velocity across one axis at 0 (a line scan's geometry): on an image, a flow
  % across it biases D and the velocity along it (D 0.090 for 0.05, vy 0 +- 0 without a word:
  % FIT19's m1; as ipcf fit and Python's ipcf.fit warn)
  nz = fitted_uv(any(fitted_uv ~= 0, 2), :);
  % (an offset across the axis needs more than 2 rows or columns: REVIEW24's m2)
  if ~isempty(nz) && ((all(nz(:, 2) == 0) && H > 2) || (all(nz(:, 1) == 0) && W > 2))
    fit_warnings{end + 1} = ['the offsets lie on one axis of an image: the velocity across it is held at 0 (a line ' ...
        'scan''s geometry), and a flow across it biases D and the velocity along it; give curves of offsets in two ' ...
        'directions for an image''s flow'];
    warning('ipcf:held_velocity', '%s: %s', fname, fit_warnings{end});
  end
end
kappa = 0;
if isgiven('Kappa') && ~(isnumeric(o.Kappa) && isempty(o.Kappa))
  if ~strcmp(model, 'acf3d')
    error('ipcf:invalid_argument', '%s: ''Kappa'' applies to Model ''acf3d'' only, not ''%s''', fname, model);
  end
  kappa = positive(o.Kappa, 'Kappa', fname);
elseif strcmp(model, 'acf3d')
  error('ipcf:invalid_argument', '%s: Model ''acf3d'' needs ''Kappa'', the axial / lateral waist ratio', fname);
end
side = 1;
if isgiven('PixelSide') && ~(isnumeric(o.PixelSide) && isempty(o.PixelSide))
  if ~strcmp(model, 'itir')
    error('ipcf:invalid_argument', '%s: ''PixelSide'' applies to Model ''itir'' only, not ''%s''', fname, model);
  end
  side = positive(o.PixelSide, 'PixelSide', fname);
end

% The waist, in pixels.
has_w = isgiven('Waist') && ~(isnumeric(o.Waist) && isempty(o.Waist));
has_wum = isgiven('WaistUm') && ~(isnumeric(o.WaistUm) && isempty(o.WaistUm));
if has_w && has_wum
  error('ipcf:invalid_argument', '%s: give ''Waist'' (pixels) or ''WaistUm'' (micrometres), not both', fname);
elseif has_w
  waist = positive(o.Waist, 'Waist', fname);
elseif has_wum
  wum = positive(o.WaistUm, 'WaistUm', fname);
  if ps <= 0
    error('ipcf:invalid_argument', '%s: ''WaistUm'' needs the pixel size: give ''PixelSize'' (or an ''Info'' with one), or ''Waist'' in pixels', fname);
  end
  waist = wum / ps;
elseif ps > 0
  error('ipcf:invalid_argument', ['%s: the data have a pixel size (%g um): give the PSF waist, ''Waist'' (pixels) or ' ...
        '''WaistUm'' (micrometres); the default 2 pixels is the simulator''s PSF, for data without a pixel size'], fname, ps);
else
  waist = 2;   % IPCF_FIT_DEFAULT_WAIST, the simulator's PSF (tests/test_fit.m checks it against ipcf.h)
end

% The error bars: G's size. A result's META that records error bars,
% without 'Sigma': fitted unweighted, said (ipcf fit and Python weight by
% them by default).
if ~isgiven('Sigma') && isgiven('Info') && isstruct(o.Info) && isfield(o.Info, 'errors') && isstruct(o.Info.errors)
  warning('ipcf:unweighted', ['%s: the result has error bars (META.errors), fitted unweighted here: ' ...
          'give ''Sigma'', SD of [R, META, SD] = ipcf_read(PATH) to weight the fit as ipcf fit and Python''s ' ...
          'fit_result do, or ''Sigma'', [] to fit unweighted without this warning'], fname);
end
S = o.Sigma;
if ~(isnumeric(S) && isequal(size(S), [0 0]))
  S = numbers(S, 'Sigma', fname);
  ok = isequal(size(S), sz) || (~has_k && ndims(G) == 3 && isequal(size(S), [H W 1 P])) || ...
       (isvector(G) && isvector(S) && numel(S) == numel(G));
  if ~ok
    error('ipcf:invalid_argument', '%s: Sigma has size %s, want G''s %s', fname, mat2str(size(S)), mat2str(sz));
  end
  S = reshape(S, H, W, K, P);
else
  S = [];
end

max_iter = o.MaxIter;
if isnumeric(max_iter) && isempty(max_iter)
  max_iter = 0;
elseif isnumeric(max_iter) && isscalar(max_iter) && isreal(max_iter) && max_iter < 1
  error('ipcf:invalid_argument', '%s: MaxIter=%g, want a whole number >= 1 ([] = 200)', fname, double(max_iter));
end
% binned: log and linear bins hold the mean of G over their lags, and the
% model is averaged over them (IPCF_FIT_BINS), as ipcf fit does; multi-tau
% points are correlations of block sums, the model averaged over each
% point's lags weighted as a triangle (IPCF_FIT_MULTITAU)
flags = flow * 1 + ginf * 2 + joint * 4 + delta * 8 + binned * 16 + (multitau_m >= 0) * 32;
opts = struct('Model', code, 'Flags', flags, 'First', o.First, 'Last', o.Last, 'MaxIter', max_iter, ...
              'Threads', o.Threads, 'Waist', waist, 'Kappa', kappa, 'PixelSide', side, 'PixelSize', ps, ...
              'FrameInterval', fi, 'Select', select, 'MultitauM', max(multitau_m, 0));
[par, se, chi, st, names] = ipcf_mex_call('ipcf_fit', @ipcf_fit_mex, reshape(G, H, W, K, P), delays, fitted_uv, S, opts);
names = strsplit(names, ',');

status_names = {'converged', 'at bound', 'max iterations', 'failed'};
maps = struct();
err = struct();
for j = 1:numel(names)
  maps.(names{j}) = par(:, :, :, j);
  err.(names{j}) = se(:, :, :, j);
end
maps.stderr = err;
maps.chisq = chi;
maps.status = st;
maps.status_names = status_names;
if nargout < 2
  return
end

dist = 'px';
if ps > 0
  dist = 'um';
end
tim = 'frame';
if fi > 0
  tim = 's';
end
units = struct();
for j = 1:numel(names)
  switch names{j}
    case 'D'
      u = [dist '^2/' tim];
    case {'v', 'vx', 'vy', 'speed'}
      u = [dist '/' tim];
    case {'tauD', 'tau_peak'}
      u = tim;
    case 'angle'
      u = 'deg';
    otherwise
      u = '1';
  end
  units.(names{j}) = u;
end
info = struct();
info.model = model;
info.names = names;
info.units = units;
info.waist = waist;
info.waist_um = [];
if ps > 0
  info.waist_um = waist * ps;
end
info.kappa = [];
if strcmp(model, 'acf3d')
  info.kappa = kappa;
end
info.pixel_side = [];
if strcmp(model, 'itir')
  info.pixel_side = side;
end
info.pixel_size = ps;
info.frame_interval = fi;
info.warnings = fit_warnings;
info.joint = joint || strcmp(model, 'ccf2d');
info.flow = flow;
info.ginf = ginf;
info.delta = delta;
info.offsets = fitted_uv;
info.delays = delays;
info.counts = struct('converged', nnz(st == 0), 'at_bound', nnz(st == 1), 'max_iterations', nnz(st == 2), ...
                     'failed', nnz(st == 3));
info.status_names = status_names;
info.rows = rows;
info.columns = columns;

  function refuse(on, name, why)
    if on
      error('ipcf:invalid_argument', '%s: ''%s'' does not apply to Model ''%s'' (%s)', fname, name, model, why);
    end
  end
end

function a = numbers(a, name, fname)
%NUMBERS A real, full numeric array as single (single arrays pass as they are).
if ~isnumeric(a) || ~isreal(a) || issparse(a)
  if issparse(a)
    kind = 'sparse array';
  elseif isnumeric(a)
    kind = 'complex array';
  else
    kind = [class(a) ' array'];
  end
  error('ipcf:unsupported_layout', '%s: %s: a %s is not supported (want real numbers: single curves of ipcf_pcf)', ...
        fname, name, kind);
end
if ~isa(a, 'single')
  a = single(a);
end
end

function tf = flag(v, name, fname)
%FLAG true/false (or 1/0) as a logical scalar.
if (islogical(v) || isnumeric(v)) && isscalar(v) && isreal(v) && (v == 0 || v == 1)
  tf = logical(v);
  return
end
error('ipcf:invalid_argument', '%s: %s must be true or false, not a %s of size %s', fname, name, class(v), ...
      mat2str(size(v)));
end

function v = positive(v, name, fname)
%POSITIVE A real finite numeric scalar > 0, as a double.
if ~isnumeric(v) || ~isreal(v) || issparse(v) || ~isscalar(v)
  error('ipcf:invalid_argument', '%s: %s must be a real numeric scalar, not a %s of size %s', fname, name, ...
        class(v), mat2str(size(v)));
end
v = double(v);
if ~(v > 0) || isinf(v)
  error('ipcf:invalid_argument', '%s: %s=%g, want a finite value > 0', fname, name, v);
end
end

function [delays, uv, fi, ps, delta, rows, columns, binned, multitau_m] = from_info(s, fname)
%FROM_INFO The delays, offsets, units and delta flag of INFO (ipcf_pcf, ipcf_acf) or META (ipcf_read),
%whether its points are log or linear bins (INFO.bins; META.bins_mode, log when absent), and
%of multi-tau points their m (INFO.m, META.multitau_m; 0 when absent: read from the delays), else -1.
if ~isstruct(s) || numel(s) ~= 1
  error('ipcf:invalid_argument', ['%s: Info must be the INFO struct of [G, INFO] = ipcf_pcf(...) or the META ' ...
        'struct of [G, META] = ipcf_read(...), not a %s of size %s'], fname, class(s), mat2str(size(s)));
end
if isfield(s, 'command') && ischar(s.command) && strcmp(s.command, 'fit')
  % maps of the curves' shape (a parameter per delay) were fitted
  error('ipcf:invalid_argument', ['%s: Info is the META of ipcf fit''s maps (parameters, not curves): fit the ' ...
        'correlation result they were fitted from'], fname);
end
multitau_m = -1;
delays = [];
uv = [];
fi = 0;
ps = 0;
delta = false;
rows = [];
columns = [];
if isfield(s, 'delays')
  delays = s.delays;                 % ipcf_pcf's INFO
elseif isfield(s, 'delay_frames')
  delays = s.delay_frames;           % a result's metadata
end
if isempty(delays)
  error('ipcf:invalid_argument', '%s: Info has no delays (INFO.delays of ipcf_pcf or META.delay_frames of a result)', fname);
end
if isfield(s, 'offsets_uv') && isnumeric(s.offsets_uv) && ~isempty(s.offsets_uv)
  uv = s.offsets_uv;
  if isvector(uv) && numel(uv) == 2
    uv = reshape(uv, 1, 2);
  end
elseif isfield(s, 'offsets') && isstruct(s.offsets) && all(isfield(s.offsets, {'u', 'v'}))
  uv = [reshape([s.offsets.u], [], 1) reshape([s.offsets.v], [], 1)];
elseif isfield(s, 'offsets') && isnumeric(s.offsets)
  uv = s.offsets;
end
if isfield(s, 'frame_interval')
  fi = s.frame_interval;
elseif isfield(s, 'units') && isstruct(s.units) && isfield(s.units, 'frame_interval_s')
  fi = s.units.frame_interval_s;
end
if isfield(s, 'pixel_size')
  ps = s.pixel_size;
elseif isfield(s, 'units') && isstruct(s.units) && isfield(s.units, 'pixel_size_um')
  ps = s.units.pixel_size_um;
end
fi = ipcf_unit(fi, 'Info''s frame interval', fname, 'time');
ps = ipcf_unit(ps, 'Info''s pixel size', fname, 'length');
if isfield(s, 'delta') && ~isempty(s.delta)
  delta = flag(s.delta, 'Info''s delta', fname);
end
if isfield(s, 'rows') && isfield(s, 'columns')
  rows = s.rows;
  columns = s.columns;
end
% META's bins is the list of bin edges (numbers), INFO's the label
key = '';
if isfield(s, 'bins_mode')
  key = 'bins_mode';
elseif isfield(s, 'bins') && ~isnumeric(s.bins)
  key = 'bins';
end
if ~isempty(key)
  % log or linear bins are averaged over, multi-tau points over their blocks: another
  % value was taken for the latter, silently.
  b = s.(key);
  if isa(b, 'string') && isscalar(b)
    b = char(b);   % MATLAB's string "log"
  end
  if ~ischar(b) || ~any(strcmp(b, {'log', 'linear', 'multitau'}))
    error('ipcf:invalid_argument', '%s: Info''s %s must be ''log'', ''linear'' or ''multitau'' (the curves'' bins), not %s', ...
          fname, key, value_text(b));
  end
  binned = any(strcmp(b, {'log', 'linear'}));
  if strcmp(b, 'multitau')
    multitau_m = 0;
    for mk = {'m', 'multitau_m'}
      if isfield(s, mk{1}) && isnumeric(s.(mk{1})) && isscalar(s.(mk{1}))
        multitau_m = double(s.(mk{1}));   % checked by the library (even, 2 to 2^20)
      end
    end
  end
else
  binned = isfield(s, 'delay_frames');   % a result's metadata of before the bins modes: log bins
end
end

function t = value_text(v)
%VALUE_TEXT A short description of v for a message: '...' for a row of characters, else its class and size.
if ischar(v) && (isrow(v) || isempty(v))
  t = ['''' v ''''];
else
  t = sprintf('a %s of size %s', class(v), mat2str(size(v)));
end
end
