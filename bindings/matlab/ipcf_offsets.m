function uv = ipcf_offsets(kind, radius, npoints)
%IPCF_OFFSETS The offsets of a neighbour preset of the pCF.
%   UV = IPCF_OFFSETS(KIND, RADIUS) is a k x 2 matrix of offsets [u v]
%   (column offset u, row offset v: the neighbour of pixel (y, x) is
%   (y+v, x+u)) of the preset KIND:
%     'circle'  NPOINTS points on a circle of RADIUS (as IPCF_CIRCLE)
%     'disk'    every offset (u, v) ~= (0, 0) with u^2+v^2 <= RADIUS^2, v
%               ascending then u ascending: the 2-D pCF (12 for RADIUS 2)
%     'line'    (u, 0) for u = -RADIUS..-1, 1..RADIUS: line scans
%   UV = IPCF_OFFSETS('circle', RADIUS, NPOINTS); NPOINTS is 32 if not
%   given and is not used by 'disk' and 'line'.
%
%   Give UV (or KIND) to IPCF_PCF as 'Offsets'.
%
%   Example:
%     ipcf_offsets('line', 2)   % [-2 0; -1 0; 1 0; 2 0]
%
%   See also IPCF_PCF, IPCF_CIRCLE.
if nargin < 2
  error('ipcf:invalid_argument', 'ipcf_offsets: KIND and RADIUS are required');
end
if nargin < 3
  npoints = 32;
end
kind = ipcf_text(kind, 'KIND', 'ipcf_offsets');
kinds = {'circle', 'disk', 'line'};
k = find(strcmpi(kind, kinds));
if isempty(k)
  error('ipcf:invalid_argument', 'ipcf_offsets: KIND ''%s'': want ''circle'', ''disk'' or ''line''', kind);
end
if k > 1
  npoints = 32;   % not used by 'disk' and 'line', as the help says: not checked (0 or [] was refused: OCT18's m5)
end
uv = ipcf_offsets_mex(k - 1, radius, npoints);
end
