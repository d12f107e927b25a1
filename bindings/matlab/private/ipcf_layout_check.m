function ipcf_layout_check(data, code, fname, name)
%IPCF_LAYOUT_CHECK Warn (ipcf:layout) when DATA's time axis looks misplaced.
%   A stack in layout CODE (see IPCF_LAYOUT) with fewer frames than rows or
%   columns is most likely in another layout: e.g. an imread stack (y, x, t)
%   given without 'Layout', 'yxt'. Only a warning: short series are legal.
%   Silence it with warning('off', 'ipcf:layout').
if nargin < 4
  name = 'DATA';
end
if ndims(data) ~= 3 || isempty(data) || ~(isnumeric(data) || islogical(data))
  return
end
s = size(data);
switch code
  case 0
    t = s(1); h = s(2); w = s(3); as = 'DATA(t, y, x)';
  case 1
    t = s(3); h = s(2); w = s(1); as = 'DATA(x, y, t)';
  otherwise
    t = s(3); h = s(1); w = s(2); as = 'DATA(y, x, t)';
end
if t >= h && t >= w
  return
end
[~, big] = max(s);
hint = '';
if big == 1 && code ~= 0
  hint = ' Its largest dimension is the first: ''Layout'', ''tyx''?';
elseif big == 3 && code == 0
  hint = ' Its largest dimension is the last: ''Layout'', ''yxt'' (an imread stack) or ''xyt''?';
end
names = {'tyx', 'xyt', 'yxt'};
warning('ipcf:layout', ['%s: %s is %s, read with ''Layout'' ''%s'' as %s: %d frames of %d x %d pixels, ' ...
        'fewer frames than rows or columns; is the time axis elsewhere?%s ' ...
        '(warning(''off'', ''ipcf:layout'') silences this)'], ...
        fname, name, strjoin(arrayfun(@num2str, s, 'UniformOutput', false), 'x'), names{code + 1}, as, ...
        t, h, w, hint);
end
