function b = ipcf_logbins(n, nbins)
%IPCF_LOGBINS Upper edges of the pCF's log delay bins.
%   B = IPCF_LOGBINS(N, NBINS) for delays up to N (half the frames used):
%   unique(floor(2.^linspace(0, log2(N), NBINS))), as the tutorial.
%
%   Example:
%     numel(ipcf_logbins(8192, 32))   % 30
if nargin < 2
  error('ipcf:invalid_argument', 'ipcf_logbins: N and NBINS are required');
end
b = ipcf_logbins_mex(n, nbins);
end
