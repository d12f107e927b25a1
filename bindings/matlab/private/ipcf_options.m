function [opts, given] = ipcf_options(defaults, args, fname, aliases)
%IPCF_OPTIONS Parse name-value pairs case-insensitively into DEFAULTS.
%   Names are character vectors (or string scalars), each given at most
%   once; an unknown name is an error that lists the valid ones. ALIASES
%   (optional) is a cell {alias, name; ...} of other spellings of a name.
%   Errors have the identifier ipcf:invalid_argument. GIVEN (optional
%   output) lists the names given, as spelt in DEFAULTS.
if nargin < 4
  aliases = cell(0, 2);
end
opts = defaults;
names = fieldnames(defaults);
% Every name is checked first, the last one without a value too: a value
% given alone (ipcf_correct_bleaching(data, 3)) is named as a value where
% an option's name belongs, not as an option without a value.
for k = 1:2:numel(args)
  name = args{k};
  if isa(name, 'string') && numel(name) == 1
    name = char(name);
  end
  if ischar(name) && isempty(name)
    % (HOSTS11's m2: "must be text, not a char")
    error('ipcf:invalid_argument', '%s: option name %d is empty: options come as name-value pairs (options: %s)', ...
          fname, (k + 1) / 2, strjoin(names', ', '));
  end
  if ~ischar(name) || size(name, 1) ~= 1
    error('ipcf:invalid_argument', ['%s: option name %d must be text, not a %s: options come as name-value ' ...
                                    'pairs (options: %s)'], fname, (k + 1) / 2, class(name), strjoin(names', ', '));
  end
end
if mod(numel(args), 2) ~= 0
  error('ipcf:invalid_argument', '%s: options come as name-value pairs: option ''%s'' has no value', ...
        fname, ipcf_describe(args{end}));
end
given = {};
for k = 1:2:numel(args)
  name = args{k};
  if isa(name, 'string') && numel(name) == 1
    name = char(name);
  end
  hit = find(strcmpi(name, aliases(:, 1)));
  if ~isempty(hit)
    name = aliases{hit, 2};
  end
  hit = find(strcmpi(name, names));
  if isempty(hit)
    error('ipcf:invalid_argument', '%s: unknown option ''%s'' (options: %s)', fname, args{k}, strjoin(names', ', '));
  end
  if any(strcmp(names{hit}, given))
    error('ipcf:invalid_argument', '%s: option ''%s'' given twice', fname, names{hit});
  end
  given{end + 1} = names{hit}; %#ok<AGROW>
  opts.(names{hit}) = args{k + 1};
end
end

function s = ipcf_describe(v)
if ischar(v) && size(v, 1) <= 1
  s = v;
else
  s = sprintf('<%s>', class(v));
end
end
