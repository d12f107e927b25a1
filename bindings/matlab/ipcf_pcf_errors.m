function [sd, info] = ipcf_pcf_errors(data, varargin)
%IPCF_PCF_ERRORS Error bars of the pCF: the standard deviation of every curve point.
%   SD = IPCF_PCF_ERRORS(DATA) returns the standard deviation of each point
%   of the curves that IPCF_PCF(DATA) returns: SD is single, the size of
%   G = IPCF_PCF(DATA) and indexed like it, SD(y, x, offset, point). Every
%   point of a curve is a time average; its standard error is estimated
%   from the series being averaged (linearised in the series' means), by
%   blocking analysis or from its spread over segments of the series
%   (docs/toolkit.md, section 9, of the project derives both and states the
%   rule that picks the block length). The error bars are those of the
%   points IPCF_PCF returns with the same options: smoothed when they are,
%   of the difference for 'Delta'. NaN where the curves are NaN (masked
%   pixels, the threshold, series summing to zero).
%
%   [SD, INFO] = IPCF_PCF_ERRORS(...) also returns INFO, the axes, as
%   IPCF_PCF does.
%
%   SD = IPCF_PCF_ERRORS(DATA, Name, Value, ...) takes every option of
%   IPCF_PCF ('Radius', 'Points', 'Bins', 'Nbins', 'Bleach', 'BleachMean',
%   'Threads', 'Mask', 'Layout', 'Device', 'Offsets', 'Data2', 'M',
%   'Smooth', 'Threshold', 'Delta', 'FrameInterval', 'PixelSize'), with
%   the same meaning and defaults, and:
%     'Method'      'blocking' (default): average neighbouring pairs of a
%                   point's series again and again and take the first level
%                   whose standard error lies within the error bars of the
%                   next two levels (among levels with at least 16 blocks;
%                   else the largest); 'segments': the standard deviation
%                   of the point over 'Segments' segments of the series,
%                   divided by sqrt(Segments)
%     'Segments'    segments of 'segments', 2 .. the frames used (8); a
%                   whole number, not used by 'blocking' (warning ipcf:ignored)
%   The error bars are always computed on the CPU ('Device' is checked, not
%   used); they cost about 30 times IPCF_PCF at the default settings.
%   Blocking needs blocks much longer than the correlations of a point's
%   series, which last about its bin's width: the error bars of bins wider
%   than about 1/64 of the frames are rough.
%
%   For the error bars of IPCF_ACF's curves give 'Offsets', [0 0]: SD is
%   then (H, W, 1, B), which IPCF_FIT takes as 'Sigma' of the ACF's
%   (H, W, B) curves.
%
%   Errors have identifiers ipcf:<status> as for IPCF_PCF: an unknown
%   'Method' or 'Segments' out of range raise ipcf:invalid_argument,
%   Ctrl+C ipcf:cancelled.
%
%   Example: weighted fits of the pCF
%     [G, info] = ipcf_pcf(data, 'Offsets', [0 0; 4 0; 0 4], 'Bins', 'multitau', 'Smooth', 0);
%     sd = ipcf_pcf_errors(data, 'Offsets', [0 0; 4 0; 0 4], 'Bins', 'multitau', 'Smooth', 0);
%     errorbar(info.delays, squeeze(G(5, 5, 2, :)), squeeze(sd(5, 5, 2, :)));
%     maps = ipcf_fit(G, 'Info', info, 'Sigma', sd, 'Model', 'pcf1d');
%
%   Error bars of smoothed curves ('Smooth' > 0, the default 0.7) are biased
%   at their last points: said as warning ipcf:job, as the file jobs say it.
%
%   See also IPCF_PCF, IPCF_FIT, IPCF_ACF.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_pcf_errors: DATA is required');
end
d = struct('Radius', 6, 'Points', 32, 'Bins', 32, 'Bleach', 0, 'BleachMean', 'real', ...
           'Threads', 0, 'Mask', [], 'Layout', 'tyx', 'Device', 'auto', 'Offsets', 'circle', ...
           'Data2', [], 'Nbins', 32, 'M', 16, 'Smooth', 0.7, 'Threshold', [], 'Delta', false, ...
           'FrameInterval', 0, 'PixelSize', 0, 'Method', 'blocking', 'Segments', 8);
fname = 'ipcf_pcf_errors';
[o, given] = ipcf_options(d, varargin, fname, {'Npoints', 'Points'; 'frame_interval', 'FrameInterval'; 'pixel_size', 'PixelSize'});
method = ipcf_text(o.Method, 'Method', fname);
k = find(strcmpi(method, {'blocking', 'segments'}));
if isempty(k)
  error('ipcf:invalid_argument', '%s: Method ''%s'': want ''blocking'' or ''segments''', fname, method);
end
if k == 1 && any(strcmp(given, 'Segments'))
  % (ipcf pcf refuses --segments with blocking; Python warns): a value
  % that is no whole number is refused, as Python does, before the
  % warning that says it is ignored; the one passed on is the default
  s = o.Segments;
  if ~(isnumeric(s) && isreal(s) && isscalar(s) && isfinite(s) && s == fix(s))
    v = '';
    if isnumeric(s) && isscalar(s)
      v = sprintf('=%g', real(s));
    end
    error('ipcf:invalid_argument', '%s: Segments%s must be a whole number (it is not used by ''blocking'')', fname, v);
  end
  warning('ipcf:ignored', '%s: ''Segments'' is ignored: ''blocking'' chooses its blocks itself', fname);
  o.Segments = d.Segments;
end
errs = struct('Method', k - 1, 'Segments', o.Segments);   % Segments checked by the gateway
o = rmfield(o, {'Method', 'Segments'});
if nargout > 1
  [sd, info] = ipcf_pcf_run(data, o, given, fname, false, errs);
else
  sd = ipcf_pcf_run(data, o, given, fname, false, errs);
end
if isnumeric(o.Smooth) && isscalar(o.Smooth) && o.Smooth > 0
  % (core/pcf SmoothedErrorsNote, as the file job's ipcf:job: REVIEW12's F7)
  warning('ipcf:job', ['%s: error bars of smoothed curves (smooth %g) are biased at their last points (in ' ...
          'simulations up to 2.2 times the spread for an ACF, 0.57 times for a delta-CCF): for error bars of ' ...
          'the last points, or fits weighted by them, compute the curves and their error bars with ''Smooth'', 0'], ...
          fname, o.Smooth);
end
end
