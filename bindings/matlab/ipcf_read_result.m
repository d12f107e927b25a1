function [data, meta, sd] = ipcf_read_result(path)
%IPCF_READ_RESULT Former name of IPCF_READ (kept working).
%   [DATA, META, SD] = IPCF_READ_RESULT(PATH) is [DATA, META, SD] = IPCF_READ(PATH):
%   a .npy file (with its PATH.json sidecar) or a .zarr folder written by
%   the ipcf CLI, IPCF_PCF_FILE or any host, and its metadata struct.
%   Errors name ipcf_read.
%
%   See also IPCF_READ.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_read_result: PATH is required');
end
if nargout > 2
  [data, meta, sd] = ipcf_read(path);
elseif nargout > 1
  [data, meta] = ipcf_read(path);
else
  data = ipcf_read(path);
end
end
