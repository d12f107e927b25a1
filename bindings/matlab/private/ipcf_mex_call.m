function varargout = ipcf_mex_call(fname, mex, varargin)
%IPCF_MEX_CALL Call the MEX gateway MEX (a function handle) for FNAME: an
%   error of the host's allocator (an output that does not fit in memory:
%   Octave's "failed to allocate N bytes", MATLAB's "Out of memory"), raised
%   without ipcf's identifier, becomes ipcf:out_of_memory naming FNAME, as
%   every other refusal of the binding; other errors pass unchanged.
try
  [varargout{1:max(nargout, 1)}] = mex(varargin{:});
catch err
  if ~strncmp(err.identifier, 'ipcf:', 5) && ...
     (any(strcmp(err.identifier, {'MATLAB:nomem', 'MATLAB:array:SizeLimitExceeded', 'Octave:bad-alloc'})) || ...
      ~isempty(regexpi(err.message, 'failed to allocate|out of memory|memory exhausted', 'once')))
    error('ipcf:out_of_memory', '%s: the output does not fit in memory (%s); use ipcf_pcf_file for data this large', ...
          fname, err.message);
  end
  rethrow(err);
end
end
