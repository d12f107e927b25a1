function c = ipcf_correlate(a, b, mode)
%IPCF_CORRELATE Correlation of two series.
%   C = IPCF_CORRELATE(A, B) is the normalized circular correlation
%   G(tau) = N*sum(A(t)*B(t+tau))/(sum(A)*sum(B)) - 1 for tau = 0..N/2-1
%   (A and B of equal length N).
%   C = IPCF_CORRELATE(A, B, MODE) with MODE 'circular', 'linear'
%   (zero-padded, mean-subtracted) or 'same' (numpy correlate(a, b, 'same'),
%   exact for the integer classes it takes (uint8, uint16, int16, int32):
%   ipcf:invalid_argument where a
%   value could exceed 2^53, what a double holds exactly, min(max|A| *
%   sum|B|, sum|A| * max|B|) >= 2^53; whole numbers held in doubles are
%   doubles, summed as such).
%
%   Unlike the pCF and bleaching functions, a correlation runs to its end:
%   Ctrl+C does not cancel it. 'same' sums directly, in time proportional
%   to length(A) * length(B) (about 2 s for two series of 2^16 samples,
%   minutes beyond 2^18); 'circular' and 'linear' use FFTs.
%
%   Example:
%     ipcf_correlate([1 2 3], [4 8 16], 'same')   % [40; 68; 32]
if nargin < 2
  error('ipcf:invalid_argument', 'ipcf_correlate: A and B are required');
end
if nargin < 3
  mode = 'circular';
end
mode = ipcf_text(mode, 'MODE', 'ipcf_correlate');
switch lower(mode)
  case 'circular'
    m = 0;
  case 'linear'
    m = 1;
  case 'same'
    m = 2;
  otherwise
    error('ipcf:invalid_argument', 'ipcf_correlate: MODE ''%s'': want circular, linear or same', mode);
end
c = ipcf_correlate_mex(a, b, m);
end
