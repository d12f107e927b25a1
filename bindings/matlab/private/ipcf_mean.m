function code = ipcf_mean(mean, fname)
%IPCF_MEAN Map 'real' / 'floor' to IPCF_MEAN_REAL / IPCF_MEAN_FLOOR.
switch lower(mean)
  case 'real'
    code = 0;
  case 'floor'
    code = 1;
  otherwise
    error('ipcf:invalid_argument', '%s: mean ''%s'': want ''real'' or ''floor''', fname, mean);
end
end
