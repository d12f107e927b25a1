function opts = ipcf_options(defaults, args, fname)
%IPCF_OPTIONS Parse name-value pairs case-insensitively into DEFAULTS.
opts = defaults;
names = fieldnames(defaults);
if mod(numel(args), 2) ~= 0
  error('ipcf:invalid_argument', '%s: options come as name-value pairs', fname);
end
for k = 1:2:numel(args)
  name = args{k};
  if ~ischar(name)
    error('ipcf:invalid_argument', '%s: option names must be strings', fname);
  end
  hit = find(strcmpi(name, names));
  if isempty(hit)
    error('ipcf:invalid_argument', '%s: unknown option ''%s'' (options: %s)', fname, name, strjoin(names', ', '));
  end
  opts.(names{hit}) = args{k + 1};
end
end
