function v = ipcf_unit(v, name, fname)
%IPCF_UNIT A frame interval or pixel size: a real finite scalar >= 0 ([] or 0 = unknown), as a double.
if isnumeric(v) && isequal(size(v), [0 0])
  v = 0;
  return
end
if ~isnumeric(v) || ~isreal(v) || issparse(v) || ~isscalar(v)
  error('ipcf:invalid_argument', '%s: %s must be a real numeric scalar, not a %s of size %s', fname, name, ...
        class(v), mat2str(size(v)));
end
v = double(v);
if ~(v >= 0) || isinf(v)
  error('ipcf:invalid_argument', '%s: %s=%g, want a finite value >= 0 (0 = unknown)', fname, name, v);
end
end
