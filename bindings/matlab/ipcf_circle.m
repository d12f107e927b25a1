function uv = ipcf_circle(radius, npoints)
%IPCF_CIRCLE Circle offsets of the pCF.
%   UV = IPCF_CIRCLE(RADIUS, NPOINTS) is an NPOINTS x 2 matrix of [u v]:
%   column offset u = round(R*cos(a)) and row offset v = round(R*sin(a)),
%   a = 2*pi*(i-1)/NPOINTS, halves rounded to even.
%
%   Example:
%     ipcf_circle(6, 4)   % [6 0; 0 6; -6 0; 0 -6]
if nargin < 2
  error('ipcf:invalid_argument', 'ipcf_circle: RADIUS and NPOINTS are required');
end
uv = ipcf_circle_mex(radius, npoints);
end
