function code = ipcf_device(device, fname)
%IPCF_DEVICE Map 'auto' / 'cpu' / 'cuda' / 'cuda:N' to the C ABI's device code.
if nargin < 2
  fname = 'ipcf_pcf';
end
if isa(device, 'string') && numel(device) == 1
  device = char(device);
end
if ~ischar(device)
  error('ipcf:invalid_argument', '%s: Device must be text: auto, cpu, cuda or cuda:N', fname);
end
switch lower(device)
  case 'auto'
    code = -1;
  case 'cpu'
    code = -2;
  case 'cuda'
    code = 0;
  otherwise
    n = sscanf(lower(device), 'cuda:%d');
    if isempty(n) || n < 0
      error('ipcf:invalid_argument', '%s: Device ''%s'': want auto, cpu, cuda or cuda:N', fname, device);
    end
    code = n;
end
end
