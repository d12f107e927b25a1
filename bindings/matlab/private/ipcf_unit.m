function v = ipcf_unit(v, name, fname, kind)
%IPCF_UNIT A frame interval or pixel size: a real finite scalar >= 0 ([] or 0 = unknown), as a double,
%   within the range a result may carry (the library's ipcf_check_units:
%   1e-12 to 1e6 s, 1e-6 to 1e6 um). KIND is 'time' (a frame interval,
%   seconds) or 'length' (a pixel size, micrometres); NAME names the option.
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
if v > 0
  try
    if strcmp(kind, 'time')
      ipcf_check_units_mex(0, v);
    else
      ipcf_check_units_mex(v, 0);
    end
  catch e
    if ~strcmp(e.identifier, 'ipcf:invalid_argument')
      rethrow(e);   % not a refusal of the value (a gateway not built, ...)
    end
    msg = regexprep(e.message, '^(ipcf_check_units_mex: )?ipcf_check_units: (fit: )?', '');
    error('ipcf:invalid_argument', '%s: %s=%g: %s', fname, name, v, msg);
  end
end
end
