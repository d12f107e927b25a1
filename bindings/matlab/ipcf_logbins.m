function b = ipcf_logbins(n, nbins)
%IPCF_LOGBINS Upper edges of the pCF's log delay bins.
%   B = IPCF_LOGBINS(N, NBINS) for delays up to N (half the frames used):
%   the tutorial's unique(logspace(0, L, NBINS, base=2).astype(intp)) as numpy
%   evaluates it: L = log(N)/log(2) (not log2), y(k) = k*(L/(NBINS-1)) for
%   k = 0..NBINS-2 and y(NBINS) = L exactly, B = unique(floor(2.^y)). For N
%   not a power of two, unique(floor(2.^linspace(0, log2(N), NBINS))) differs
%   in some (N, NBINS): ipcf_logbins(9, 8) ends at 9.
%
%   Example:
%     numel(ipcf_logbins(8192, 32))   % 30
if nargin < 2
  error('ipcf:invalid_argument', 'ipcf_logbins: N and NBINS are required');
end
b = ipcf_logbins_mex(n, nbins);
end
