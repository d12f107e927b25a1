function test_pcf_file(fixture)
%TEST_PCF_FILE Tests of IPCF_PCF_FILE and IPCF_READ_RESULT on the file-job fixture.
%   TEST_PCF_FILE(FIXTURE) uses the folder written by tools/filejobdata
%   (make filejob): params.txt, series/ (big-endian single-page TIFFs),
%   stack.raw (the same frames, raw big-endian uint16) and the command
%   line's out-of-core results cli_series.npy and cli_raw.npy. Prints PASS
%   or raises an error listing the failed checks. Writes only into a
%   temporary folder, which it removes.
%     octave-cli -q -H --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); test_pcf_file('build/filejob')"
failures = 0;
function check(cond, msg)
  if ~cond
    failures = failures + 1;
    fprintf(2, 'FAIL: %s\n', msg);
  end
end
% expect_error runs f, which must fail with one of the identifiers ids
% (a cell) and a message containing text.
function expect_error(f, ids, text, what)
  try
    f();
    check(false, sprintf('%s: no error, want %s', what, strjoin(ids, ' or ')));
  catch err
    check(any(strcmp(err.identifier, ids)), ...
          sprintf('%s: identifier %s, want %s (%s)', what, err.identifier, strjoin(ids, ' or '), err.message));
    check(~isempty(strfind(err.message, text)), sprintf('%s: message "%s" lacks "%s"', what, err.message, text));
  end
end

% Parameters of the fixture.
p = struct();
text = fileread(fullfile(fixture, 'params.txt'));
for line = regexp(text, '[^\r\n]+', 'match')
  kv = regexp(line{1}, '^\s*(\w+)\s*=\s*(.*?)\s*$', 'tokens', 'once');
  p.(kv{1}) = kv{2};
end
frames = str2double(p.frames);
sz = str2double(p.size);
radius = str2double(p.radius);
npoints = str2double(p.npoints);
nbins = str2double(p.nbins);
tile = str2double(strsplit(p.tile, ','));
series = fullfile(fixture, 'series');
raw = fullfile(fixture, 'stack.raw');
% On the CPU, named: the CLI's results are the CPU's (tools/filejobdata runs
% it with --device cpu), and 'auto' would run a GPU's tiles where one is usable.
common = {'Radius', radius, 'Npoints', npoints, 'Nbins', nbins, 'Memory', p.memory, ...
          'Tile', tile, 'Device', 'cpu', 'Engine', 'ooc'};

tmp = tempname();
mkdir(tmp);
try
  % 1. A folder of big-endian TIFFs, out of core: the CLI's bytes.
  out = fullfile(tmp, 'series.npy');
  [o, s] = ipcf_pcf_file(series, out, common{:});
  check(strcmp(o, out), 'returned path');
  check(isequal(file_bytes(out), file_bytes(fullfile(fixture, 'cli_series.npy'))), ...
        'series: output differs from cli_series.npy');
  check(strcmp(s.engine, 'ooc'), sprintf('series: engine %s, want ooc', s.engine));
  check(s.tiles > 1, sprintf('series: %d tiles, want > 1', s.tiles));
  check(~s.already_complete && s.resumed == 0, 'series: first run reports already_complete or resumed');
  want_shape = [sz - 2 * radius, sz - 2 * radius, npoints];
  check(isequal(s.shape(1:3), want_shape) && s.shape(4) >= 2 && s.shape(4) <= nbins, ...
        sprintf('series: summary.shape %s', mat2str(s.shape)));
  check(ischar(s.input_crc32c) && numel(s.input_crc32c) == 8 && ~strcmp(s.input_crc32c, '00000000'), ...
        'series: input_crc32c');
  names = sort(listing(tmp));
  check(isequal(names, {'series.npy', 'series.npy.json'}), ...
        sprintf('series: the folder holds %s (scratch or lock left behind?)', strjoin(names, ', ')));
  fprintf('series: engine %s, %d tiles, shape %s, input crc %s\n', s.engine, s.tiles, mat2str(s.shape), s.input_crc32c);

  % 2. The same job again: nothing to do, the output unchanged.
  before = file_bytes(out);
  info = dir(out);
  % (its values in upper case: the same job; 'OOC' was refused, HOSTS11's m3)
  [~, s2] = ipcf_pcf_file(series, out, common{1:end-1}, 'OOC', 'Format', 'AUTO');
  check(s2.already_complete, 'series rerun: already_complete is false');
  check(s2.tiles == 0 || s2.resumed == 0, 'series rerun: work done');
  check(isequal(file_bytes(out), before), 'series rerun: output changed');
  info2 = dir(out);
  check(info2.datenum == info.datenum, 'series rerun: output rewritten');
  check(any(~cellfun(@isempty, strfind(s2.log, 'already'))), ...
        sprintf('series rerun: log %s', strjoin(s2.log', ' | ')));

  % 3. The same frames as raw big-endian uint16.
  out_raw = fullfile(tmp, 'raw.npy');
  [~, s] = ipcf_pcf_file(raw, out_raw, common{:}, 'Shape', [frames sz sz], 'Dtype', 'uint16', ...
                         'ByteOrder', 'big', 'Format', 'raw');
  check(isequal(file_bytes(out_raw), file_bytes(fullfile(fixture, 'cli_raw.npy'))), ...
        'raw: output differs from cli_raw.npy');
  check(strcmp(s.engine, 'ooc') && s.tiles > 1, sprintf('raw: engine %s, %d tiles', s.engine, s.tiles));

  % 4. ipcf_read_result: the CLI's result read independently (tests/readnpy).
  want = readnpy(fullfile(fixture, 'cli_series.npy'));   % want(row, column, point, bin)
  [G, meta] = ipcf_read_result(out);
  check(isa(G, 'single'), sprintf('read_result: class %s', class(G)));
  check(isequal(size(G), s2.shape), sprintf('read_result: size %s, summary %s', mat2str(size(G)), mat2str(s2.shape)));
  check(isequaln(G, want), 'read_result: data differs from the CLI result');
  check(isstruct(meta), 'read_result: meta is not a struct (no jsondecode?)');
  if isstruct(meta)
    check(meta.radius == radius, sprintf('read_result: meta.radius %g, want %g', meta.radius, radius));
    check(meta.npoints == npoints, 'read_result: meta.npoints');
    check(isequal(meta.shape(:)', size(G)), 'read_result: meta.shape');
    check(strcmp(meta.engine, 'ooc'), 'read_result: meta.engine');
    check(numel(meta.bins) == size(G, 4), 'read_result: meta.bins');
  end

  % 5. The stack in MATLAB: the in-memory engine agrees with ipcf_pcf, and
  %    Crop, Frames, Mask (a matrix and a .npy path) mean what ipcf_pcf does.
  fid = fopen(raw, 'r', 'ieee-be');
  data = fread(fid, Inf, 'uint16=>uint16');
  fclose(fid);
  data = permute(reshape(data, sz, sz, frames), [3 2 1]);   % data(t, y, x)
  opts = {'Radius', radius, 'Points', npoints, 'Bins', nbins, 'Threads', 1};
  Gm = ipcf_pcf(data, opts{:});
  check(max(abs(double(Gm(:)) - double(want(:)))) <= 1e-6 && isequal(isnan(Gm), isnan(want)), ...
        'ipcf_pcf of stack.raw differs from the out-of-core CLI result');
  out_mem = fullfile(tmp, 'memory.npy');
  [~, s] = ipcf_pcf_file(raw, out_mem, 'Shape', [frames sz sz], 'ByteOrder', 'big', 'Engine', 'memory', ...
                         opts{:}, 'FrameInterval', 0.001, 'PixelSize', 0.1);
  check(strcmp(s.engine, 'memory') && s.tiles == 0, sprintf('memory: engine %s, %d tiles', s.engine, s.tiles));
  [G, meta] = ipcf_read_result(out_mem);
  check(isequaln(G, Gm), 'memory engine differs from ipcf_pcf');
  if isstruct(meta)
    check(abs(meta.units.frame_interval_s - 0.001) < 1e-15 && abs(meta.units.pixel_size_um - 0.1) < 1e-15, ...
          'memory: units in the metadata');
  end
  y0 = 4; y1 = sz - 2; x0 = 2; x1 = sz;             % 0-based, half-open
  mask = true(y1 - y0, x1 - x0);
  mask(radius + (1:3), :) = false;        % output rows 1:3
  mask(:, end - radius) = false;          % the last output column
  want_crop = ipcf_pcf(data(1:frames / 2, y0 + 1:y1, x0 + 1:x1), opts{:}, 'Mask', mask);
  nan_px = all(all(isnan(want_crop), 3), 4);
  want_nan = false(size(nan_px));
  want_nan(1:3, :) = true;
  want_nan(:, end) = true;
  check(isequal(nan_px, want_nan), 'crop: the mask does not select the pixels expected');
  crop = sprintf('%d:%d,%d:%d', y0, y1, x0, x1);
  [~, s] = ipcf_pcf_file(raw, fullfile(tmp, 'crop.npy'), 'Shape', [frames sz sz], 'ByteOrder', 'big', ...
                         opts{:}, 'Crop', crop, 'Frames', sprintf('0:%d', frames / 2), 'Mask', mask);
  check(isequal(s.shape, size(want_crop)), sprintf('crop: shape %s, want %s', mat2str(s.shape), mat2str(size(want_crop))));
  check(isequaln(ipcf_read_result(fullfile(tmp, 'crop.npy')), want_crop), 'crop, frames, mask matrix: differs from ipcf_pcf');
  write_npy_u8(fullfile(tmp, 'mask.npy'), mask);
  ipcf_pcf_file(raw, fullfile(tmp, 'crop_path.npy'), 'Shape', [frames sz sz], 'ByteOrder', 'big', ...
                opts{:}, 'Crop', crop, 'Frames', sprintf('0:%d', frames / 2), 'Mask', fullfile(tmp, 'mask.npy'));
  check(isequaln(ipcf_read_result(fullfile(tmp, 'crop_path.npy')), want_crop), 'mask as a .npy path');
  % a mask of a class ipcf_pcf converts (int64: non-zero is computed), and [] units (the input's
  % own): taken as ipcf_pcf takes them; both were refused (OCT18's m2)
  ipcf_pcf_file(raw, fullfile(tmp, 'crop_i64.npy'), 'Shape', [frames sz sz], 'ByteOrder', 'big', ...
                opts{:}, 'Crop', crop, 'Frames', sprintf('0:%d', frames / 2), 'Mask', int64(mask) * 7, ...
                'FrameInterval', [], 'PixelSize', []);
  check(isequaln(ipcf_read_result(fullfile(tmp, 'crop_i64.npy')), want_crop), 'an int64 mask and [] units: as ipcf_pcf');

  % 6. A .zarr folder output reads back the same.
  [~, s] = ipcf_pcf_file(series, fullfile(tmp, 'series.zarr'), common{:});
  [Z, zmeta] = ipcf_read_result(fullfile(tmp, 'series.zarr'));
  check(strcmp(s.engine, 'ooc') && isequaln(Z, want), 'zarr: data differs from the CLI result');
  check(isstruct(zmeta) && zmeta.radius == radius, 'zarr: metadata');

  % 6b. 'Errors': OUT.sd.npy beside OUT.npy holds ipcf_pcf_errors' numbers
  %     bit for bit, in memory and out of core; the metadata names it.
  sd_want = ipcf_pcf_errors(data, opts{:}, 'Method', 'segments', 'Segments', 4);
  rawopts = {'Shape', [frames sz sz], 'ByteOrder', 'big', opts{:}, 'Errors', 'segments', 'Segments', 4};
  engines = {{'Engine', 'memory'}, {'Engine', 'ooc', 'Memory', p.memory, 'Tile', tile}};
  for k = 1:2
    out_sd = fullfile(tmp, sprintf('errors%d.npy', k));
    [~, s] = ipcf_pcf_file(raw, out_sd, rawopts{:}, engines{k}{:});
    check(strcmp(s.errors, fullfile(tmp, sprintf('errors%d.sd.npy', k))), sprintf('errors: summary.errors %s', s.errors));
    sd = ipcf_read(s.errors);
    check(isa(sd, 'single') && isequal(size(sd), size(sd_want)) && ...
          isequal(typecast(sd(:), 'uint32'), typecast(sd_want(:), 'uint32')), ...
          sprintf('errors (%s): OUT.sd.npy differs from ipcf_pcf_errors', engines{k}{2}));
    [~, meta] = ipcf_read(out_sd);
    if isstruct(meta)
      check(strcmp(meta.errors.file, sprintf('errors%d.sd.npy', k)) && strcmp(meta.errors.method, 'segments') && ...
            meta.errors.segments == 4, 'errors: metadata');
    end
  end
  % the job's warnings are raised (ipcf:job): here error bars of smoothed
  % curves (they went to summary.log alone, never shown: REVIEW12's F7)
  lastwarn('', '');
  ipcf_pcf_file(raw, fullfile(tmp, 'errors3.npy'), rawopts{:}, engines{1}{:});
  [msg, id] = lastwarn();
  check(strcmp(id, 'ipcf:job') && ~isempty(strfind(msg, 'error bars of smoothed curves (smooth 0.7)')), ...
        sprintf('errors of smoothed curves: warning "%s" "%s"', id, msg));
  [~, s] = ipcf_pcf_file(raw, fullfile(tmp, 'noerrors.npy'), 'Shape', [frames sz sz], 'ByteOrder', 'big', opts{:});
  check(isempty(s.errors) && ~exist(fullfile(tmp, 'noerrors.sd.npy'), 'file'), 'no Errors: an error bars file');
  % 'Segments' without 'Errors', 'segments' is ignored, with a warning
  lastwarn('', '');
  [~, s] = ipcf_pcf_file(raw, fullfile(tmp, 'noerrors4.npy'), 'Shape', [frames sz sz], 'ByteOrder', 'big', opts{:}, ...
                         'Segments', 4);
  [msg, id] = lastwarn();
  check(strcmp(id, 'ipcf:ignored') && ~isempty(strfind(msg, '''Segments'' is ignored')) && isempty(s.errors) && ...
        isequal(file_bytes(fullfile(tmp, 'noerrors4.npy')), file_bytes(fullfile(tmp, 'noerrors.npy'))), ...
        sprintf('Segments without Errors segments: warning "%s" "%s"', id, msg));
  % 'Npoints' (ipcf_pcf_file's name of 'Points') with the disk: ignored, with a warning
  lastwarn('', '');
  ipcf_pcf_file(raw, fullfile(tmp, 'disk12.npy'), 'Shape', [frames sz sz], 'ByteOrder', 'big', ...
                'Offsets', 'disk', 'Radius', 1, 'Npoints', 12, 'Nbins', 4);
  [msg, id] = lastwarn();
  check(strcmp(id, 'ipcf:ignored') && ~isempty(strfind(msg, '''Npoints'' is ignored')), ...
        sprintf('Npoints with the disk (file job): warning "%s" "%s"', id, msg));
  % 'Progress', true prints a line a phase (a long job showed nothing:
  % FRONT16's F6); the same bytes; none without it
  shown = evalc('ipcf_pcf_file(raw, fullfile(tmp, ''prog.npy''), ''Shape'', [frames sz sz], ''ByteOrder'', ''big'', opts{:}, ''Progress'', true);');
  quiet = evalc('ipcf_pcf_file(raw, fullfile(tmp, ''noprog.npy''), ''Shape'', [frames sz sz], ''ByteOrder'', ''big'', opts{:});');
  check(~isempty(strfind(shown, 'ipcf_pcf_file: pcf 100%')) && isempty(strfind(quiet, 'ipcf_pcf_file:')) && ...
        isequal(file_bytes(fullfile(tmp, 'prog.npy')), file_bytes(fullfile(tmp, 'noprog.npy'))), ...
        sprintf('Progress true: a line a phase: "%s"; without: "%s"', shown, quiet));
  bad = fullfile(tmp, 'bad.npy');
  % 6c. Out of core, a raw file with 2 KiB rows is read in place
  %     (summary.read_in_place); 'CopyInput' copies it into scratch first,
  %     with the same bytes out; 'CopyInput' 2 is refused.
  wide = fullfile(tmp, 'wide.raw');
  fid = fopen(wide, 'w', 'ieee-le');
  fwrite(fid, uint16(randi([100 355], 1024 * 6 * 64, 1)), 'uint16');
  fclose(fid);
  wopts = {'Shape', [64 6 1024], 'Radius', 1, 'Npoints', 4, 'Nbins', 4, 'Engine', 'ooc', ...
           'Device', 'cpu'};   % (a GPU's tiles always come from a scratch copy)
  [~, sa] = ipcf_pcf_file(wide, fullfile(tmp, 'wide_a.npy'), wopts{:});
  [~, sb] = ipcf_pcf_file(wide, fullfile(tmp, 'wide_b.npy'), wopts{:}, 'CopyInput', true);
  check(strcmp(sa.engine, 'ooc') && islogical(sa.read_in_place) && sa.read_in_place && ~sb.read_in_place, ...
        sprintf('read_in_place %d, with CopyInput %d', sa.read_in_place, sb.read_in_place));
  check(isequal(typecast(reshape(ipcf_read_result(fullfile(tmp, 'wide_a.npy')), [], 1), 'uint32'), ...
                typecast(reshape(ipcf_read_result(fullfile(tmp, 'wide_b.npy')), [], 1), 'uint32')), ...
        'CopyInput: the result differs from the one read in place');
  expect_error(@() ipcf_pcf_file(wide, bad, wopts{:}, 'CopyInput', 2), {'ipcf:invalid_argument'}, 'CopyInput', 'CopyInput 2');
  expect_error(@() ipcf_pcf_file(series, bad, 'Errors', 'jackknife'), {'ipcf:invalid_argument'}, 'jackknife', 'Errors jackknife');
  expect_error(@() ipcf_pcf_file(series, bad, 'Errors', 'segments', 'Segments', 1), {'ipcf:invalid_argument'}, ...
               'Segments', 'Segments 1');
  expect_error(@() ipcf_pcf_file(series, bad, 'Errors', 'blocking', 'Segments', 2.5), {'ipcf:invalid_argument'}, ...
               'Segments', 'Segments 2.5');
  expect_error(@() ipcf_pcf_file(series, fullfile(tmp, 'bad.zarr'), 'Errors', 'blocking'), {'ipcf:invalid_argument'}, ...
               '.npy', 'Errors with a .zarr output');
  check(~exist(bad, 'file') && ~exist(fullfile(tmp, 'bad.zarr'), 'dir'), 'a refused Errors job wrote its output');

  % 6d. 'Bleach' on data that are not counts in 0..65535: the job's log
  %     line is the warning ipcf:counts naming the file and the first such
  %     sample (as ipcf_pcf warns), in memory and out of core; the result
  %     is written all the same. Counts raise none.
  frac = fullfile(tmp, 'frac.raw');
  v = single(randi([100 355], 12, 12, 64)) / 4;      % v(x, y, t): C order of (t, y, x)
  v(1, 1, 1) = 7;                                     % a count first: the sample named is the next one
  v(2, 1, 1) = 2.5;
  fid = fopen(frac, 'w', 'ieee-le');
  fwrite(fid, v, 'single');
  fclose(fid);
  fopts = {'Shape', [64 12 12], 'Dtype', 'single', 'Radius', 2, 'Npoints', 4, 'Nbins', 4, 'Bleach', 8};
  for e = {'memory', 'ooc'}
    out_frac = fullfile(tmp, ['frac_' e{1} '.npy']);
    lastwarn('', '');
    [~, s] = ipcf_pcf_file(frac, out_frac, fopts{:}, 'Engine', e{1});
    [msg, id] = lastwarn();
    check(strcmp(id, 'ipcf:counts') && ~isempty(strfind(msg, frac)) && ...
          ~isempty(strfind(msg, 'not counts in 0..65535')) && ...
          ~isempty(strfind(msg, 'sample 2.5 at frame 0, pixel (row 0, column 1)')), ...
          sprintf('counts (%s): warning "%s" "%s"', e{1}, id, msg));
    check(exist(out_frac, 'file') && any(~cellfun(@isempty, strfind(s.log, 'not counts'))), ...
          sprintf('counts (%s): no output, or the log lacks the line', e{1}));
  end
  lastwarn('', '');
  ipcf_pcf_file(frac, fullfile(tmp, 'frac_nobleach.npy'), fopts{1:end - 2});
  ipcf_pcf_file(wide, fullfile(tmp, 'wide_bleach.npy'), wopts{:}, 'Bleach', 8);
  [msg, id] = lastwarn();
  check(isempty(id), sprintf('counts: warned without Bleach or on uint16 counts: "%s" "%s"', id, msg));

  % 7. Refusals and bad arguments, with nothing written.
  snap = snapshot(series);
  inside = fullfile(series, 'result.npy');
  expect_error(@() ipcf_pcf_file(series, inside, common{:}), {'ipcf:invalid_argument'}, 'inside', ...
               'output inside the input folder');
  check(isequal(snapshot(series), snap), 'output inside the input folder: the folder changed');
  check(~exist(inside, 'file'), 'output inside the input folder: output written');
  bad = fullfile(tmp, 'bad.npy');
  expect_error(@() ipcf_pcf_file(series, bad, 'Radius', 2.7), {'ipcf:invalid_argument'}, 'Radius=2.7', 'Radius 2.7');
  expect_error(@() ipcf_pcf_file(series, bad, 'Npoints', 2^31), {'ipcf:invalid_argument'}, 'Npoints', 'Npoints 2^31');
  expect_error(@() ipcf_pcf_file(series, bad, 'Nbins', -2^40), {'ipcf:invalid_argument'}, 'Nbins', 'Nbins -2^40');
  expect_error(@() ipcf_pcf_file(series, bad, 'Threads', NaN), {'ipcf:invalid_argument'}, 'Threads', 'Threads NaN');
  expect_error(@() ipcf_pcf_file(series, bad, 'Tile', [8 8.5]), {'ipcf:invalid_argument'}, 'Tile', 'Tile [8 8.5]');
  expect_error(@() ipcf_pcf_file(series, bad, 'Tile', [8 2^31]), {'ipcf:invalid_argument'}, 'Tile', 'Tile [8 2^31]');
  expect_error(@() ipcf_pcf_file(series, bad, 'Memory', 1.5), {'ipcf:invalid_argument'}, 'Memory', 'Memory 1.5');
  expect_error(@() ipcf_pcf_file(raw, bad, 'Shape', [frames sz 40.5]), {'ipcf:invalid_argument'}, 'Shape', 'Shape non-integer');
  expect_error(@() ipcf_pcf_file(series, bad, 'Colour', 3), {'ipcf:invalid_argument'}, 'unknown option', 'unknown option');
  expect_error(@() ipcf_pcf_file(series, bad, 'Engine', 'fast'), {'ipcf:invalid_argument'}, 'fast', 'Engine fast');
  expect_error(@() ipcf_pcf_file(raw, bad, 'Shape', [frames sz sz], 'Dtype', 'uint12'), {'ipcf:invalid_argument'}, ...
               'Dtype', 'Dtype uint12');
  missing = fullfile(tmp, 'no such folder', 'stack.tif');
  expect_error(@() ipcf_pcf_file(missing, bad), {'ipcf:io', 'ipcf:invalid_argument'}, missing, 'missing input');
  check(~exist(bad, 'file'), 'a refused job wrote its output');

  % 8. Another run holding the output: ipcf:busy (needs flock(1)).
  [st, ~] = system('command -v flock');
  if st == 0
    busy = fullfile(tmp, 'busy.npy');
    lock = fullfile(tmp, '.busy.npy.lock');
    ready = fullfile(tmp, 'ready');
    [st, pid] = system(sprintf('(exec 9>"%s"; flock -x 9; touch "%s"; exec sleep 60) >/dev/null 2>&1 & echo $!', lock, ready));
    pid = strtrim(pid);
    for k = 1:100
      if exist(ready, 'file'), break; end
      pause(0.05);
    end
    try
      check(exist(ready, 'file') ~= 0, 'busy: the lock holder did not start');
      expect_error(@() ipcf_pcf_file(series, busy, common{:}), {'ipcf:busy'}, 'busy.npy', 'output locked by another run');
      check(~exist(busy, 'file'), 'busy: output written');
    catch err
      system(['kill ' pid]);
      rethrow(err);
    end
    system(['kill ' pid]);
  else
    fprintf('skipped the ipcf:busy check: no flock(1)\n');
  end
catch err
  remove_tree(tmp);
  rethrow(err);
end
remove_tree(tmp);

if failures > 0
  error('test_pcf_file:failed', '%d checks failed', failures);
end
fprintf('PASS\n');
end

function b = file_bytes(path)
fid = fopen(path, 'r');
if fid < 0
  error('test_pcf_file:open', 'cannot open %s', path);
end
b = fread(fid, Inf, 'uint8=>uint8');
fclose(fid);
end

function names = listing(folder)
d = dir(folder);
names = {d.name};
names = names(~strcmp(names, '.') & ~strcmp(names, '..'));
end

function s = snapshot(folder)
% names (hidden files too), sizes and modification times
d = dir(folder);
[~, i] = sort({d.name});
s = struct('name', {d(i).name}, 'bytes', {d(i).bytes}, 'datenum', {d(i).datenum});
end

function write_npy_u8(path, a)
% a C-order uint8 .npy of the 2-D array a (a(i, j) == npy[i-1, j-1])
h = sprintf('{''descr'': ''|u1'', ''fortran_order'': False, ''shape'': (%d, %d), }', size(a, 1), size(a, 2));
h = [h repmat(' ', 1, 63 - mod(numel(h) + 10, 64)) sprintf('\n')];
fid = fopen(path, 'w');
fwrite(fid, [147 uint8('NUMPY') 1 0], 'uint8');
fwrite(fid, numel(h), 'uint16', 0, 'ieee-le');
fwrite(fid, h, 'char');
fwrite(fid, uint8(a'), 'uint8');   % rows in C order
fclose(fid);
end

function remove_tree(folder)
if exist('OCTAVE_VERSION', 'builtin')
  old = confirm_recursive_rmdir(false);
  rmdir(folder, 's');
  confirm_recursive_rmdir(old);
else
  rmdir(folder, 's');
end
end
