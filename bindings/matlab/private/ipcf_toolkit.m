function [tk, nbins, preset] = ipcf_toolkit(o, given, fname, radius)
%IPCF_TOOLKIT The correlation toolkit's options (Since 0.3) as the gateways take them.
%   [TK, NBINS, PRESET] = IPCF_TOOLKIT(O, GIVEN, FNAME, RADIUS) reads the
%   options of O (from IPCF_OPTIONS; GIVEN the names given) that exist:
%     Offsets    'circle' (default), 'disk', 'line' or a k x 2 matrix [u v]
%     Bins       a mode, 'log' (default), 'linear' or 'multitau', or the
%                number of bins (as before 0.3)
%     Nbins      the number of bins (32)
%     M, Smooth, Threshold ([] = none), Delta (true/false)
%   and returns TK, the struct of ipcf_mex_toolkit (ipcf_mexutil.h):
%   Offsets ([] = the circle of RADIUS, or k x 2), BinMode (IPCF_BINS_*),
%   M, Smooth, Threshold (-Inf = none), Delta (0/1), NbinsName (the option
%   that gave NBINS, for messages). PRESET is 'circle', 'disk', 'line' or
%   '' (a matrix). The numbers are checked by the gateway, which names the
%   option; texts and combinations are checked here. Errors have the
%   identifier ipcf:invalid_argument.
tk = struct('Offsets', [], 'BinMode', 0, 'M', 16, 'Smooth', 0.7, 'Threshold', -Inf, 'Delta', 0, ...
            'NbinsName', 'Nbins');
preset = 'circle';
nbins = 32;

% Bins: a mode or (as before 0.3) the number of bins; Nbins: the number.
bins_given = any(strcmp(given, 'Bins'));
nbins_given = any(strcmp(given, 'Nbins'));
if bins_given && (ischar(o.Bins) || (isa(o.Bins, 'string') && numel(o.Bins) == 1))
  mode = ipcf_text(o.Bins, 'Bins', fname);
  switch lower(mode)
    case 'log'
      tk.BinMode = 0;
    case 'linear'
      tk.BinMode = 1;
    case {'multitau', 'multi-tau'}
      tk.BinMode = 2;
    otherwise
      error('ipcf:invalid_argument', '%s: Bins ''%s'': want ''log'', ''linear'', ''multitau'' or a number of bins', ...
            fname, mode);
  end
  if nbins_given
    nbins = o.Nbins;
  end
elseif bins_given
  if nbins_given && (~isnumeric(o.Bins) || ~isreal(o.Bins) || ~isscalar(o.Bins))
    % neither a mode nor a number ({}, true, [8 16]): named as such, not
    % as a number of bins given twice
    error('ipcf:invalid_argument', ['%s: Bins must be ''log'', ''linear'', ''multitau'' or a number of bins, ' ...
                                    'not a %s of %d elements'], fname, class(o.Bins), numel(o.Bins));
  end
  if nbins_given
    error('ipcf:invalid_argument', ['%s: ''Bins'' and ''Nbins'' both give the number of bins: give the number once ' ...
                                    '(''Bins'' takes a mode too: ''log'', ''linear'' or ''multitau'')'], fname);
  end
  nbins = o.Bins;
  tk.NbinsName = 'Bins';
elseif nbins_given
  nbins = o.Nbins;
end

if isfield(o, 'Offsets')
  off = o.Offsets;
  if isa(off, 'string') && numel(off) == 1
    off = char(off);
  end
  if ischar(off)
    off = ipcf_text(off, 'Offsets', fname);
    kinds = {'circle', 'disk', 'line'};
    k = find(strcmpi(off, kinds));
    if isempty(k)
      error('ipcf:invalid_argument', '%s: Offsets ''%s'': want ''circle'', ''disk'', ''line'' or a k x 2 matrix [u v]', ...
            fname, off);
    end
    preset = kinds{k};
    if k > 1
      % the preset's offsets (Radius checked by ipcf_offsets_mex)
      tk.Offsets = ipcf_offsets_mex(k - 1, radius, 1);
      pts = intersect({'Points', 'Npoints'}, given);  % ipcf_pcf_file's name is 'Npoints'
      if ~isempty(pts)
        % (ipcf pcf refuses --npoints with these presets; Python warns)
        warning('ipcf:ignored', '%s: ''%s'' is ignored: the ''%s'' offsets take ''Radius'' only', fname, pts{1}, preset);
      end
    end
  elseif isnumeric(off) && isempty(off) && isequal(size(off), [0 0])
    error('ipcf:invalid_argument', '%s: Offsets is empty: give a k x 2 matrix [u v] or ''circle'', ''disk'', ''line''', fname);
  else
    tk.Offsets = off; % checked by the gateway (k x 2 whole numbers)
    preset = '';
    ign = intersect({'Radius', 'Points', 'Npoints'}, given);
    for k = 1:numel(ign)
      warning('ipcf:ignored', '%s: ''%s'' is ignored: the ''Offsets'' given replace the circle''s radius and points', fname, ign{k});
    end
  end
end
if isfield(o, 'BleachMean') && any(strcmp(given, 'BleachMean')) && isfield(o, 'Bleach') && isnumeric(o.Bleach) && isscalar(o.Bleach) && o.Bleach == 0 ...
   && ischar(o.BleachMean) && strcmpi(o.BleachMean, 'real')
  warning('ipcf:ignored', '%s: ''BleachMean'' is ignored: it is the mean of the bleaching correction, which ''Bleach'' 0 turns off', fname);
end
if isfield(o, 'M')
  tk.M = o.M;
end
% (ipcf pcf refuses --nbins with multi-tau and --m without; Python warns)
if tk.BinMode == 2 && nbins_given
  warning('ipcf:ignored', '%s: ''Nbins'' is ignored: ''Bins'' ''multitau'' places its points by ''M''', fname);
end
if tk.BinMode ~= 2 && any(strcmp(given, 'M'))
  warning('ipcf:ignored', '%s: ''M'' is ignored: it is the multi-tau channels per level (''Bins'', ''multitau'')', fname);
end
if isfield(o, 'Smooth')
  tk.Smooth = o.Smooth;
end
if isfield(o, 'Threshold') && ~(isnumeric(o.Threshold) && isequal(size(o.Threshold), [0 0]))
  tk.Threshold = o.Threshold;
end
if isfield(o, 'Delta')
  d = o.Delta;
  if islogical(d)
    d = double(d);
  end
  tk.Delta = d; % 0 or 1, checked by the gateway
end
end
