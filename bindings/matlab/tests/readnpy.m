function a = readnpy(path)
%READNPY Read a little-endian C-order .npy file (uint16, float32, float64).
%   The result is indexed like numpy: a(i0+1, i1+1, ...) == numpy a[i0, i1, ...].
fid = fopen(path, 'r', 'ieee-le');
if fid < 0
  error('readnpy:open', 'cannot open %s', path);
end
c = onCleanup(@() fclose(fid));
magic = fread(fid, 6, 'uint8=>char')';
if ~strcmp(magic(2:6), 'NUMPY')
  error('readnpy:format', '%s is not a .npy file', path);
end
ver = fread(fid, 2, 'uint8');
if ver(1) == 1
  hlen = fread(fid, 1, 'uint16');
else
  hlen = fread(fid, 1, 'uint32');
end
h = fread(fid, hlen, 'uint8=>char')';
t = regexp(h, '''descr'':\s*''([^'']*)''', 'tokens', 'once');
descr = t{1};
t = regexp(h, '''shape'':\s*\(([^)]*)\)', 'tokens', 'once');
shape = str2num(['[' t{1} ']']); %#ok<ST2NM>
if ~isempty(strfind(h, '''fortran_order'': True'))
  error('readnpy:format', 'Fortran-order .npy not supported here');
end
switch descr
  case '<u2'
    prec = 'uint16=>uint16';
  case '<f4'
    prec = 'single=>single';
  case '<f8'
    prec = 'double=>double';
  otherwise
    error('readnpy:format', 'dtype %s not supported here', descr);
end
a = fread(fid, prod(shape), prec);
if numel(shape) > 1
  a = reshape(a, fliplr(shape));
  a = permute(a, numel(shape):-1:1);
end
end
