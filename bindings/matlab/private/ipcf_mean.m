function code = ipcf_mean(mean, fname, name)
%IPCF_MEAN Map 'real' / 'floor' to IPCF_MEAN_REAL / IPCF_MEAN_FLOOR.
if nargin < 3
  name = 'BleachMean';
end
mean = ipcf_text(mean, name, fname);
switch lower(mean)
  case 'real'
    code = 0;
  case 'floor'
    code = 1;
  otherwise
    error('ipcf:invalid_argument', '%s: %s ''%s'': want ''real'' or ''floor''', fname, name, mean);
end
end
