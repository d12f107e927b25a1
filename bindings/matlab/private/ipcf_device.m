function code = ipcf_device(device)
%IPCF_DEVICE Map 'auto' / 'cpu' / 'cuda' / 'cuda:N' to the C ABI's device code.
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
      error('ipcf:invalid_argument', 'ipcf_pcf: Device ''%s'': want auto, cpu, cuda or cuda:N', device);
    end
    code = n;
end
end
