function code = ipcf_device(device, fname)
%IPCF_DEVICE Map 'auto' / 'cpu' / 'cuda' / 'cuda:N' to the C ABI's device code.
%   N is a whole number 0..2147483647 written in digits: 'cuda:1.5',
%   'cuda:1x' or 'cuda:-1' are errors, never read as another device.
if nargin < 2
  fname = 'ipcf_pcf';
end
if isa(device, 'string') && numel(device) == 1
  device = char(device);
end
if ~ischar(device) || (~isempty(device) && size(device, 1) ~= 1)
  error('ipcf:invalid_argument', '%s: Device must be text: auto, cpu, cuda or cuda:N, not a %s', fname, class(device));
end
switch lower(device)
  case 'auto'
    code = -1;
  case 'cpu'
    code = -2;
  case 'cuda'
    code = 0;
  otherwise
    t = regexp(lower(device), '^cuda:(\d{1,10})$', 'tokens', 'once');
    n = NaN;
    if ~isempty(t)
      n = str2double(t{1});
    end
    if isnan(n) || n > 2147483647
      error('ipcf:invalid_argument', '%s: Device ''%s'': want auto, cpu, cuda or cuda:N (N = 0..2147483647)', fname, device);
    end
    code = n;
end
end
