function test_layout_read(fixture)
%TEST_LAYOUT_READ Tests of 'Layout' 'yxt' (imread stacks), the ipcf:layout
%   warning and IPCF_READ (with its former name IPCF_READ_RESULT).
%   TEST_LAYOUT_READ(FIXTURE) uses the file-job fixture (make filejob):
%   sim.npy (a (t, y, x) uint16 stack), the CLI's result cli_series.npy with
%   its JSON sidecar, and the CLI beside it (FIXTURE/../bin/ipcf), which
%   writes a .npy and a .zarr result into a temporary folder (removed).
%   Prints PASS or raises an error listing the failed checks.
%     octave-cli -q -H --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); test_layout_read('build/filejob')"
failures = 0;
function check(cond, msg)
  if ~cond
    failures = failures + 1;
    fprintf(2, 'FAIL: %s\n', msg);
  end
end
function expect_error(f, id, text, what)
  try
    f();
    check(false, sprintf('%s: no error, want %s', what, id));
  catch err
    check(strcmp(err.identifier, id), sprintf('%s: identifier %s, want %s (%s)', what, err.identifier, id, err.message));
    check(~isempty(strfind(err.message, text)), sprintf('%s: message "%s" lacks "%s"', what, err.message, text));
  end
end
% warned runs f (errors ignored: the warning comes before the computation)
% and returns the identifier and message of the last warning it raised.
function [id, msg] = warned(f)
  lastwarn('', '');
  try
    f();
  catch
  end
  [msg, id] = lastwarn();
end
% isequal_bits: same class, size and bytes (NaN payloads included).
function ok = isequal_bits(a, b)
  ok = strcmp(class(a), class(b)) && isequal(size(a), size(b)) && ...
       isequal(typecast(a(:), 'uint32'), typecast(b(:), 'uint32'));
end

sim = ipcf_read(fullfile(fixture, 'sim.npy'));       % sim(t, y, x)
% A non-square crop, so that swapped rows and columns cannot pass.
D = sim(:, 1:20, 1:26);
Y = permute(D, [2 3 1]);                              % Y(y, x, t), as imread stacks come
X = permute(D, [3 2 1]);                              % X(x, y, t)
opts = {'Radius', 3, 'Points', 12, 'Bins', 16, 'Threads', 2};

% 1. 'yxt' is 'tyx' on the permuted data, bit for bit, with the same axes.
[G, info] = ipcf_pcf(D, opts{:});
[Gy, infoy] = ipcf_pcf(Y, opts{:}, 'Layout', 'yxt');
check(isequal_bits(Gy, G), 'pcf: yxt differs from tyx');
check(isequal(infoy, info), 'pcf: yxt info differs from tyx');
check(info.frames_used == 1024, sprintf('pcf: frames_used %d, want 1024', info.frames_used));
check(isequal_bits(ipcf_pcf(Y, opts{:}, 'Layout', 'YXT'), G), 'pcf: Layout is case-insensitive');
check(isequal_bits(ipcf_pcf(Y, opts{:}, 'Layout', "yxt"), G), 'pcf: Layout as a string scalar');
check(isequal_bits(ipcf_pcf(X, opts{:}, 'Layout', 'xyt'), G), 'pcf: xyt differs from tyx');
% other classes and bleaching go through the same strides
check(isequal_bits(ipcf_pcf(double(Y), opts{:}, 'Layout', 'yxt'), ipcf_pcf(double(D), opts{:})), 'pcf: yxt double');
check(isequal_bits(ipcf_pcf(int16(Y), opts{:}, 'Bleach', 64, 'Layout', 'yxt'), ...
                   ipcf_pcf(int16(D), opts{:}, 'Bleach', 64)), 'pcf: yxt int16 with Bleach');

% 2. The toolkit: Data2 follows the layout, Mask stays rows x columns.
mix = D(:, :, end:-1:1);
mask = true(20, 26);
mask(3:5, 7:9) = false;
tk = {'Offsets', [1 0; 0 -1; 2 2], 'Bins', 'linear', 'Nbins', 8, 'Delta', true, 'Mask', mask, 'Smooth', 0.5};
Gt = ipcf_pcf(D, tk{:}, 'Data2', mix);
Gy = ipcf_pcf(Y, tk{:}, 'Data2', permute(mix, [2 3 1]), 'Layout', 'yxt');
check(isequal_bits(Gy, Gt), 'toolkit: yxt with Data2 and Mask differs from tyx');
check(any(isnan(Gt(:))) && any(~isnan(Gt(:))), 'toolkit: the mask makes some NaN curves');
check(isequal_bits(ipcf_pcf(Y, 'Offsets', 'disk', 'Radius', 2, 'Bins', 'multitau', 'M', 8, 'Layout', 'yxt'), ...
                   ipcf_pcf(D, 'Offsets', 'disk', 'Radius', 2, 'Bins', 'multitau', 'M', 8)), 'toolkit: yxt disk multitau');
expect_error(@() ipcf_pcf(Y, tk{:}, 'Data2', mix, 'Layout', 'yxt'), 'ipcf:invalid_argument', 'Data2', ...
             'Data2 in another layout');

% 3. ipcf_acf and ipcf_correct_bleaching take 'yxt' too.
[A, ainfo] = ipcf_acf(D, 'Bins', 'multitau', 'FrameInterval', 1e-3);
[Ay, ainfoy] = ipcf_acf(Y, 'Bins', 'multitau', 'FrameInterval', 1e-3, 'Layout', 'yxt');
check(isequal_bits(Ay, A) && isequal(ainfoy, ainfo), 'acf: yxt differs from tyx');
C = ipcf_correct_bleaching(D, 'FilterSize', 64);
Cy = ipcf_correct_bleaching(Y, 'FilterSize', 64, 'Layout', 'yxt');
check(isequal(size(Cy), [20 26 1024 - 128]), sprintf('bleaching: yxt size %s', mat2str(size(Cy))));
check(strcmp(class(Cy), class(C)) && isequal(Cy, permute(C, [2 3 1])), 'bleaching: yxt differs from tyx');
expect_error(@() ipcf_correct_bleaching(Y(:, :, 1:100), 'FilterSize', 64, 'Layout', 'yxt'), ...
             'ipcf:invalid_argument', 'FilterSize=64 leaves no frame of 100 (it drops 2*FilterSize; at most 49)', 'bleaching: frames counted on the 3rd dimension');

% 4. Line scans: a (t, x) matrix, or (x, t) with 'yxt' (and a 1 x W x T stack).
L = reshape(D(:, 7, :), 1024, 26);                    % L(t, x)
line = {'Offsets', 'line', 'Radius', 2, 'Bins', 'linear', 'Nbins', 8};
Gl = ipcf_pcf(L, line{:});
check(isequal(size(Gl, 1), 1) && isequal(size(Gl, 2), 22), sprintf('line: size %s', mat2str(size(Gl))));
check(isequal_bits(ipcf_pcf(L.', line{:}, 'Layout', 'yxt'), Gl), 'line: yxt (x, t) matrix differs from (t, x)');
check(isequal_bits(ipcf_pcf(reshape(L.', 1, 26, 1024), line{:}, 'Layout', 'yxt'), Gl), 'line: yxt 1 x W x T differs');
check(isequal_bits(ipcf_pcf(L.', line{:}, 'Layout', 'yxt', 'Data2', flipud(L.')), ipcf_pcf(L, line{:}, 'Data2', flipud(L.').')), ...
      'line: yxt with a (x, t) Data2');

% 5. The ipcf:layout warning: the time axis is not where the layout says.
[id, msg] = warned(@() ipcf_pcf(Y(:, :, 1:64), opts{:}));         % (y, x, t) given as 'tyx'
check(strcmp(id, 'ipcf:layout'), sprintf('warning: yxt data as tyx: identifier "%s"', id));
check(~isempty(strfind(msg, '20 frames of 26 x 64 pixels')), sprintf('warning: message "%s"', msg));
check(~isempty(strfind(msg, '''yxt''')), sprintf('warning: message "%s" does not suggest yxt', msg));
id = warned(@() ipcf_acf(permute(D(1:16, :, :), [2 3 1]), 'Layout', 'tyx'));
check(strcmp(id, 'ipcf:layout'), sprintf('warning: acf: identifier "%s"', id));
id = warned(@() ipcf_pcf(D, opts{:}, 'Layout', 'yxt'));                 % (t, y, x) given as 'yxt'
check(strcmp(id, 'ipcf:layout'), sprintf('warning: tyx data as yxt: identifier "%s"', id));
id = warned(@() ipcf_correct_bleaching(D, 'FilterSize', 4, 'Layout', 'xyt'));
check(strcmp(id, 'ipcf:layout'), sprintf('warning: bleaching: identifier "%s"', id));
[id, msg] = warned(@() ipcf_pcf(Y, opts{:}, 'Layout', 'yxt'));
check(isempty(id), sprintf('warning: raised for a right layout: %s', msg));
id = warned(@() ipcf_pcf(L, line{:}));
check(isempty(id), 'warning: raised for a (t, x) line scan');
lastwarn('', '');
state = warning('off', 'ipcf:layout');
G16 = ipcf_pcf(permute(D(1:16, :, :), [2 3 1]), 'Radius', 3, 'Points', 12, 'Bins', 4, 'Layout', 'tyx');
warning(state);
check(~isempty(G16), 'warning: the computation runs after the warning');
expect_error(@() ipcf_pcf(Y, 'Layout', 'ytx'), 'ipcf:invalid_argument', 'want ''tyx'', ''xyt'' or ''yxt''', 'bad layout');
expect_error(@() ipcf_correct_bleaching(Y, 'Layout', 'txy'), 'ipcf:invalid_argument', '''yxt''', 'bad bleaching layout');

% 6. ipcf_read: the CLI's .npy with its JSON sidecar, and .zarr.
[R, meta] = ipcf_read(fullfile(fixture, 'cli_series.npy'));
check(isa(R, 'single') && ndims(R) == 4, sprintf('read: class %s, %d dims', class(R), ndims(R)));
check(isstruct(meta), 'read: metadata is not a struct');
if isstruct(meta)
  check(isequal(meta.shape(:)', size(R)), 'read: meta.shape differs from the data');
  check(numel(meta.bins) == size(R, 4), 'read: meta.bins');
end
[R2, meta2] = ipcf_read_result(fullfile(fixture, 'cli_series.npy'));
check(isequal_bits(R2, R) && isequal(meta2, meta), 'read: ipcf_read_result differs from ipcf_read');
check(isequal_bits(ipcf_read_result(fullfile(fixture, 'cli_series.npy')), R), 'read: ipcf_read_result, one output');
if exist('string') == 2 || exist('string') == 5 %#ok<EXIST> MATLAB's string class
  check(isequal_bits(ipcf_read(string(fullfile(fixture, 'cli_series.npy'))), R), 'read: a string path');
end
check(isequal(ipcf_read(fullfile(fixture, 'sim.npy')), sim) && isa(sim, 'uint16') && isequal(size(sim), [1024 40 40]), ...
      'read: a (t, y, x) uint16 stack');
[~, m] = ipcf_read(fullfile(fixture, 'sim.npy'));
check(isempty(m), 'read: no sidecar gives []');
expect_error(@() ipcf_read(), 'ipcf:invalid_argument', 'PATH is required', 'read: no argument');
expect_error(@() ipcf_read(fullfile(fixture, 'none.npy')), 'ipcf:io', 'ipcf_read: cannot open', 'read: missing file');
expect_error(@() ipcf_read_result(fullfile(fixture, 'none.npy')), 'ipcf:io', 'cannot open', 'read_result: missing file');

bin = fullfile(fixture, '..', 'bin', 'ipcf');
tmp = tempname();
mkdir(tmp);
try
  % numpy before 1.14 (Python 2) wrote shapes of long integers: (2L, 3L)
  old = fullfile(tmp, 'old.npy');
  hdr = '{''descr'': ''<u2'', ''fortran_order'': False, ''shape'': (2L, 3L), }';
  hdr = [hdr repmat(' ', 1, 63 - mod(10 + numel(hdr), 64)) char(10)];
  fid = fopen(old, 'w');
  fwrite(fid, [char(147) 'NUMPY' char([1 0]) char([numel(hdr) 0]) hdr], 'uint8');
  fwrite(fid, uint16(1:6), 'uint16', 0, 'l');
  fclose(fid);
  check(isequal(ipcf_read(old), uint16([1 2 3; 4 5 6])), 'read: a shape (2L, 3L) of old numpy');
  npy = fullfile(tmp, 'crop.npy');
  zarr = fullfile(tmp, 'crop.zarr');
  cli = sprintf('"%s" pcf "%s" --crop 0:20,0:26 --radius 3 --npoints 12 --nbins 16 --threads 2 --quiet -o', ...
                bin, fullfile(fixture, 'sim.npy'));
  [st1, out1] = system(sprintf('%s "%s"', cli, npy));
  [st2, out2] = system(sprintf('%s "%s"', cli, zarr));
  check(st1 == 0 && st2 == 0, sprintf('CLI failed: %s %s', out1, out2));
  [N, nmeta] = ipcf_read(npy);
  [Z, zmeta] = ipcf_read([zarr '/']);
  check(isequal_bits(Z, N), 'read: .zarr data differs from .npy');
  check(isequal_bits(N, ipcf_pcf(D, opts{:})), 'read: the CLI result differs from ipcf_pcf on the same pixels');
  check(isstruct(zmeta) && isstruct(nmeta) && zmeta.radius == 3 && nmeta.radius == 3 && ...
        isequal(zmeta.bins, nmeta.bins), 'read: .zarr metadata');

  % Data and metadata read together must describe each other: a result
  % whose bytes are not those its metadata record is refused (ipcf:io).
  bad = fullfile(tmp, 'bad.npy');
  copyfile(npy, bad);
  copyfile([npy '.json'], [bad '.json']);
  [B, bmeta] = ipcf_read(bad);
  check(isequal_bits(B, N) && isstruct(bmeta), 'read: a copy of the result with its sidecar');
  % The checksum is of the bytes the data were read from (the path may
  % name another file by now): the library's CRC-32C of a uint8 array is
  % the file's.
  fid = fopen(bad, 'r');
  raw = fread(fid, Inf, 'uint8=>uint8');
  fclose(fid);
  [c1, b1] = ipcf_file_crc32c_mex(bad);
  [c2, b2] = ipcf_file_crc32c_mex(raw);
  check(strcmp(c1, c2) && b1 == b2 && b2 == numel(raw), 'read: the CRC-32C of the bytes read is the file''s');
  [c3, b3] = ipcf_file_crc32c_mex(uint8('123456789'));
  check(strcmp(c3, 'e3069283') && b3 == 9, 'read: CRC-32C check value of uint8 bytes');
  flip_last_byte(bad);
  expect_error(@() ipcf_read(bad), 'ipcf:io', 'not this result''s metadata', 'read: changed .npy, one output');
  % Headers numpy refuses are refused: a key's text inside another value
  % (read as Fortran order: transposed data), a duplicate key, a value
  % that is neither True nor False; a well-formed one reads.
  crafted = fullfile(tmp, 'crafted.npy');
  vals = 0:511;   % (8, 8, 8) in C order
  want = permute(reshape(vals, 8, 8, 8), [3 2 1]);
  write_npy_header(crafted, '{''descr'': ''<u2'', ''fortran_order'': False, ''shape'': (8, 8, 8), }', vals);
  check(isequal(double(ipcf_read(crafted)), want), 'read: a well-formed header');
  write_npy_header(crafted, '{''descr'': ''<u2'', ''fortran_order'': False, ''shape'': (8, 8, 8), ''x'': "''fortran_order'': True"}', vals);
  expect_error(@() ipcf_read(crafted), 'ipcf:invalid_argument', 'fortran_order 2 times', 'read: fortran_order inside another value');
  write_npy_header(crafted, '{''descr'': ''<u2'', ''fortran_order'': False, ''shape'': (8, 8, 8), ''shape'': (8, 8, 8), }', vals);
  expect_error(@() ipcf_read(crafted), 'ipcf:invalid_argument', 'shape 2 times', 'read: a duplicate key');
  write_npy_header(crafted, '{''descr'': ''<u2'', ''fortran_order'': Maybe, ''shape'': (8, 8, 8), }', vals);
  expect_error(@() ipcf_read(crafted), 'ipcf:invalid_argument', 'no fortran_order True or False', 'read: fortran_order Maybe');
  write_npy_header(crafted, '{''descr'': ''<u2'', ''fortran_order'': False, ''shape'': (8, 8, 8), ''extra'': 1}', vals);
  expect_error(@() ipcf_read(crafted), 'ipcf:invalid_argument', 'more than descr', 'read: an extra key');
  expect_error(@() two_outputs(bad), 'ipcf:io', 'not this result''s metadata', 'read: changed .npy with metadata');
  % Metadata cut short (their checksum and version, written last, dropped)
  % are refused, with one output too (which reads the text without
  % jsondecode): not taken for metadata of a version before the checksum.
  copyfile(npy, bad);
  side = fileread([npy '.json']);
  fid = fopen([bad '.json'], 'w');
  fwrite(fid, side(1:floor(end / 2)));
  fclose(fid);
  expect_error(@() ipcf_read(bad), 'ipcf:io', 'damaged JSON', 'read: metadata cut short, one output');
  expect_error(@() two_outputs(bad), 'ipcf:io', 'damaged JSON', 'read: metadata cut short');
  copyfile(npy, bad);
  copyfile(fullfile(fixture, 'cli_series.npy.json'), [bad '.json']);   % another result's sidecar
  expect_error(@() two_outputs(bad), 'ipcf:io', 'not this result''s metadata', 'read: another result''s sidecar');
  expect_error(@() ipcf_read(bad), 'ipcf:io', 'not this result''s metadata', 'read: another result''s sidecar, one output');
  badz = fullfile(tmp, 'bad.zarr');
  copyfile(zarr, badz);
  chunks = dir(fullfile(badz, '0.*'));
  check(~isempty(chunks), 'read: the Zarr result has chunks');
  if ~isempty(chunks)
    flip_last_byte(fullfile(badz, chunks(1).name));
    expect_error(@() two_outputs(badz), 'ipcf:io', 'the chunk or metadata changed', 'read: changed Zarr chunk');
    expect_error(@() ipcf_read(badz), 'ipcf:io', 'the chunk or metadata changed', 'read: changed Zarr chunk, one output');
    delete(fullfile(badz, chunks(1).name));
    expect_error(@() two_outputs(badz), 'ipcf:io', 'missing or not a file', 'read: missing Zarr chunk');
  end
  rmdir(badz, 's');
  copyfile(zarr, badz);
  fid = fopen(fullfile(badz, '.zarray'), 'a');
  fwrite(fid, ' ', 'char');
  fclose(fid);
  expect_error(@() two_outputs(badz), 'ipcf:io', '.zarray: checksum', 'read: changed .zarray');
  expect_error(@() ipcf_read(badz), 'ipcf:io', '.zarray: checksum', 'read: changed .zarray, one output');

  % Metadata edited or damaged since ipcf wrote them (the checksum they
  % record of themselves, self_crc32c) are refused: one digit changed in
  % the sidecar and in the Zarr's .zattrs; the key itself damaged too.
  copyfile(npy, bad);
  side = fileread([npy '.json']);
  check(~isempty(strfind(side, '"self_crc32c": "')) && ~isempty(strfind(side, '"radius": 3')), 'read: a sealed sidecar');
  write_text([bad '.json'], strrep(side, '"radius": 3', '"radius": 4'));
  expect_error(@() two_outputs(bad), 'ipcf:io', 'metadata changed since ipcf wrote it', 'read: edited sidecar');
  % (the refusal names ipcf_read and the file: OCT18's m3)
  expect_error(@() ipcf_read(bad), 'ipcf:io', ['ipcf_read: ' bad '.json: ipcf_check_metadata: metadata changed since ipcf wrote it'], ...
               'read: edited sidecar, one output');
  write_text([bad '.json'], strrep(side, '"self_crc32c"', '"self_crc32d"'));
  expect_error(@() two_outputs(bad), 'ipcf:io', 'records no self_crc32c', 'read: damaged seal key');
  write_text([bad '.json'], side);
  [B, bmeta] = ipcf_read(bad);
  check(isequal_bits(B, N) && isstruct(bmeta) && bmeta.radius == 3, 'read: the sidecar as written');
  rmdir(badz, 's');
  copyfile(zarr, badz);
  za = fileread(fullfile(badz, '.zattrs'));
  write_text(fullfile(badz, '.zattrs'), strrep(za, '"radius": 3', '"radius": 4'));
  expect_error(@() two_outputs(badz), 'ipcf:io', 'metadata changed since ipcf wrote it', 'read: edited .zattrs');
  expect_error(@() ipcf_read(badz), 'ipcf:io', ['ipcf_read: ' fullfile(badz, '.zattrs') ': ipcf_check_metadata: metadata changed'], ...
               'read: edited .zattrs, one output');

  % a hand-made Zarr v2 array: 3 x 5 float64 in 2 x 3 chunks, one missing (fill NaN)
  hz = fullfile(tmp, 'hand.zarr');
  mkdir(hz);
  write_text(fullfile(hz, '.zarray'), ['{"zarr_format": 2, "shape": [3, 5], "chunks": [2, 3], "dtype": "<f8", ' ...
             '"order": "C", "compressor": null, "filters": null, "fill_value": "NaN"}']);
  write_text(fullfile(hz, '.zattrs'), '{"what": "hand", "n": [1, 2, 3]}');
  want = reshape(1:15, 5, 3).';                       % want(i, j) = 5*(i-1) + j
  write_chunk(fullfile(hz, '0.0'), want(1:2, 1:3));
  write_chunk(fullfile(hz, '0.1'), [want(1:2, 4:5) [0; 0]]);
  write_chunk(fullfile(hz, '1.0'), [want(3, 1:3); 0 0 0]);
  want(3, 4:5) = NaN;                                 % chunk 1.1 is missing
  [H, hmeta] = ipcf_read(hz);
  check(isequaln(H, want) && isa(H, 'double'), sprintf('read: hand-made zarr %s', mat2str(H)));
  check(isstruct(hmeta) && strcmp(hmeta.what, 'hand') && isequal(hmeta.n, [1; 2; 3]), 'read: hand-made .zattrs');

  % A .npy result read while a live ipcf process on this host holds its
  % lock and publishes over it (a rerun removes the earlier sidecar before
  % the renames, then renames the files one by one): read again until its
  % sidecar is there, not returned without metadata or refused for a
  % mixture of both results. A lock of a process that is gone, a file that
  % is not a lock, or none: no wait. One of another host (live: not known
  % here, as the library reads it) or of a live run whose sidecar does not
  % come: refused after the wait, as ipcf plot and Python refuse it (it
  % was returned unlabelled).
  pub = fullfile(tmp, 'pub.npy');
  side = [pub '.json'];
  copyfile(fullfile(fixture, 'cli_series.npy'), pub);
  copyfile(fullfile(fixture, 'cli_series.npy.json'), side);
  [W, wmeta] = ipcf_read(pub);
  % a result linked into another folder (no sidecar beside the link): read
  % with the metadata beside the file the link names (returned with none)
  mkdir(fullfile(tmp, 'work'));
  system(sprintf('ln -s ''%s'' ''%s''', pub, fullfile(tmp, 'work', 'pub.npy')));
  [L, lmeta] = ipcf_read(fullfile(tmp, 'work', 'pub.npy'));
  check(isequal(lmeta, wmeta) && isequal_bits(L, W), 'read: a result through a link, with its metadata');
  lock = fullfile(tmp, '.pub.npy.lock');
  live = sprintf('pid %d on %s since 2026-12-05T00:00:00Z\n', getpid(), gethostname());
  for other = {'', [npy '.json']}
    if isempty(other{1})
      delete(side);                                          % the earlier sidecar removed
      what = 'no sidecar';
    else
      copyfile(other{1}, side);                              % the next result's sidecar (crop.npy's)
      what = 'another result''s sidecar';
      if exist(lock, 'file')
        delete(lock);
      end
      expect_error(@() ipcf_read(pub), 'ipcf:io', 'not this result''s metadata', 'read: a mixture, no run');
    end
    write_text(lock, live);
    copyfile(fullfile(fixture, 'cli_series.npy.json'), [side '.next']);
    system(sprintf('(sleep 0.3; mv ''%s'' ''%s'') >/dev/null 2>&1 &', [side '.next'], side));
    t = tic;
    [A, m] = ipcf_read(pub);
    waited = toc(t);
    check(isequal(m, wmeta) && isequal_bits(A, W) && waited >= 0.25, ...
          sprintf('read while a run publishes (%s): waited %.2f s, metadata as published %d', what, waited, isequal(m, wmeta)));
  end
  for line = {sprintf('pid 999999999 on %s since 2026-12-05T00:00:00Z\n', gethostname()), ...
              sprintf('pid %d on another-host-%d since 2026-12-05T00:00:00Z\n', getpid(), getpid()), ...
              sprintf('not a lock\n'), ''}
    if exist(side, 'file')
      delete(side);
    end
    if isempty(line{1})
      delete(lock);
    else
      write_text(lock, line{1});
    end
    t = tic;
    if ~isempty(strfind(line{1}, 'another-host'))
      expect_error(@() ipcf_read(pub), 'ipcf:io', 'is being written by an ipcf run', 'read: another host''s run''s output');
      check(toc(t) >= 5, sprintf('read: waited %.2f s for another host''s run', toc(t)));
      continue;
    end
    if strncmp(line{1}, 'pid 999999999', 13)
      % a run of this host that was stopped (killed while it published):
      % refused, as ipcf plot and Python refuse it (it was returned
      % unlabelled and unchecked)
      expect_error(@() ipcf_read(pub), 'ipcf:io', 'was stopped before it finished', 'read: a stopped run''s output');
      copyfile(pub, [pub(1:end-4) '.sd.npy']);   % its error bars, by the result's lock
      expect_error(@() ipcf_read([pub(1:end-4) '.sd.npy']), 'ipcf:io', 'was stopped before it finished', 'read: a stopped run''s error bars');
      delete([pub(1:end-4) '.sd.npy']);
      check(toc(t) < 1, 'read: no wait for a stopped run''s lock');
      continue;
    end
    [A, m] = ipcf_read(pub);
    check(isempty(m) && isequal_bits(A, W) && toc(t) < 1, sprintf('read: no wait for lock "%s"', strtrim(line{1})));
  end
  % error bars with their result's metadata, beside a live run's lock of
  % that result (a rerun holds it for its whole run): read at once (they
  % were refused after 5 s, naming OUT.sd.npy.json: REVIEW4's F2)
  eb = fullfile(tmp, 'eb.npy');
  ipcf_pcf_file(fullfile(fixture, 'series'), eb, 'Radius', 1, 'Npoints', 4, 'Nbins', 4, 'Errors', 'blocking');
  write_text(fullfile(tmp, '.eb.npy.lock'), live);
  t = tic;
  [E, em] = ipcf_read(fullfile(tmp, 'eb.sd.npy'));
  check(~isempty(E) && toc(t) < 1, sprintf('read: error bars beside their result''s live lock, in %.2f s', toc(t)));
  delete(fullfile(tmp, '.eb.npy.lock'));
  % error bars that are not there, beside a result without them: no such
  % file (it said "not the error bars of that result ... rename the file")
  nb = fullfile(tmp, 'nb.npy');
  ipcf_pcf_file(fullfile(fixture, 'series'), nb, 'Radius', 1, 'Npoints', 4, 'Nbins', 4);
  expect_error(@() ipcf_read(fullfile(tmp, 'nb.sd.npy')), 'ipcf:io', 'cannot open', 'read: missing error bars');
  % a live run (this process) whose sidecar does not come within the wait
  write_text(lock, live);
  t = tic;
  expect_error(@() ipcf_read(pub), 'ipcf:io', 'read it when that run has ended', ...
               'read: a live run''s output without its sidecar');
  check(toc(t) >= 5, sprintf('read: waited %.2f s for a live run', toc(t)));
  delete(lock);
  % A .zarr result whose name is not UTF-8 (Latin-1, written by
  % ipcf_pcf_file): read, as a .npy one is (HOSTS11's F6: fullfile's
  % regexprep refused the name, an ipcf:io error).
  lat = [tmp '/r' char(233) '.zarr'];  % (fullfile refuses it)
  ipcf_pcf_file(fullfile(fixture, 'series'), lat, 'Radius', 1, 'Npoints', 4, 'Nbins', 4);
  [G, m] = ipcf_read(lat);
  check(size(G, 3) == 4 && m.radius == 1, sprintf('read: a .zarr result of a Latin-1 name: size %s', mat2str(size(G))));
  % A relative name is of the current folder, not searched for along the
  % load path (HOSTS11's F4: a plain array refused for another folder's
  % r.npy.json on the path; a missing file called "not a regular file").
  onpath = fullfile(tmp, 'onpath');
  here = fullfile(tmp, 'here');
  mkdir(onpath);
  mkdir(here);
  write_text(fullfile(onpath, 'r.npy.json'), '{}');
  write_text(fullfile(onpath, 'gone.npy'), 'x');
  write_npy_header(fullfile(here, 'r.npy'), '{''descr'': ''<u2'', ''fortran_order'': False, ''shape'': (2, 3), }', 1:6);
  addpath(onpath);
  % the load path's folders named relative to here (addpath('bindings/matlab')),
  % as absolute ones: they stay on it after the cd
  entries = strsplit(path(), pathsep());
  for k = 1:numel(entries)
    if ~isempty(entries{k}) && entries{k}(1) ~= '/'
      addpath(make_absolute_filename(entries{k}), '-end');
    end
  end
  wd = pwd();
  cd(here);
  try
    check(isequal(ipcf_read('r.npy'), uint16([1 2 3; 4 5 6])), 'read: a relative name with a sidecar of that name on the load path');
    expect_error(@() ipcf_read('gone.npy'), 'ipcf:io', 'cannot open', 'read: a relative name missing here, on the load path');
  catch err2
    cd(wd);
    rmpath(onpath);
    rethrow(err2);
  end
  cd(wd);
  rmpath(onpath);
catch err
  rmdir(tmp, 's');
  rethrow(err);
end
rmdir(tmp, 's');

if failures > 0
  error('test_layout_read:failed', '%d checks failed', failures);
end
fprintf('PASS: layout yxt, ipcf:layout warning, ipcf_read\n');
end

function write_text(file, text)
fid = fopen(file, 'w');
fwrite(fid, text, 'char');
fclose(fid);
end

function write_chunk(file, a)
% a C-order chunk of little-endian float64
fid = fopen(file, 'w', 'ieee-le');
fwrite(fid, reshape(a.', [], 1), 'double');
fclose(fid);
end

function two_outputs(path)
[~, ~] = ipcf_read(path);
end

function write_npy_header(file, header, values)
% A .npy file (version 1.0) of uint16 VALUES (C order) with the header text HEADER.
n = numel(header) + 11;
header = [header repmat(' ', 1, mod(-n, 64)) char(10)];
fid = fopen(file, 'w');
fwrite(fid, [147 double('NUMPY') 1 0], 'uint8');
fwrite(fid, numel(header), 'uint16', 0, 'ieee-le');
fwrite(fid, header, 'char');
fwrite(fid, values, 'uint16', 0, 'ieee-le');
fclose(fid);
end

function flip_last_byte(file)
fid = fopen(file, 'r+');
fseek(fid, -1, 'eof');
b = fread(fid, 1, 'uint8');
fseek(fid, -1, 'eof');
fwrite(fid, bitxor(b, 1), 'uint8');
fclose(fid);
end
