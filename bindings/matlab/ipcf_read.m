function [data, meta, sd] = ipcf_read(path)
%IPCF_READ Read a result written by the ipcf CLI, IPCF_PCF_FILE or any host.
%   DATA = IPCF_READ(PATH) reads PATH, a .npy file or a .zarr folder (not an
%   .ome.zarr: its array is its folder 0, in another axis order)
%   (Zarr v2, uncompressed, as ipcf writes it). The file's C-order axes
%   become MATLAB's dimensions in the same order, so a pCF result is
%   indexed
%
%       DATA(row, column, point, bin)
%
%   with DATA(i, j, p, b) == numpy result[i-1, j-1, p-1, b-1]: the same
%   layout as the output of IPCF_PCF. Output pixel (i, j) is pixel
%   (i + radius, j + radius) of the frame (1-based; plus the crop origin
%   meta.crop_origin when the job had a crop), point p is circle point p
%   (meta.offsets_uv(p, :) = [u v], column and row offset), bin b holds the
%   delays meta.delays_frames.from_inclusive(b) <= tau < meta.bins(b)
%   frames (its point is at meta.delay_frames(b)). Pixels not computed (masked, or a series summing to zero) are
%   NaN. A pCF result is single (float32).
%
%   Any other .npy file is read the same way (C or Fortran order, either
%   byte order; bool, int8..int64, uint8..uint64, float32, float64): a
%   (n,) array gives an n x 1 column, a () array a scalar. A (t, y, x)
%   stack written by numpy reads as DATA(t, y, x), IPCF_PCF's default
%   layout.
%
%   [DATA, META] = IPCF_READ(PATH) also returns the metadata: the JSON
%   sidecar PATH.json (a .npy file) or PATH/.zattrs (a .zarr folder),
%   decoded with jsondecode into a struct (lists of numbers become column
%   vectors, null becomes []). Where jsondecode is missing (MATLAB before
%   R2016b, Octave before 7), META is the raw JSON text. META is [] when
%   there is no metadata file. Where the metadata record the result's
%   checksums (ipcf writes them: output_crc32c, or a Zarr's chunks_crc32c
%   and metadata_crc32c), the files are checked against them, with one
%   output or two: a result
%   changed since, or another result's sidecar beside it, raises ipcf:io
%   (data and metadata that do not describe each other would give fits
%   of other offsets or delays). Metadata written since ipcf 0.3.1 record
%   a checksum of themselves (self_crc32c): metadata edited or damaged
%   since ipcf wrote them raise ipcf:io. While a run of ipcf on this
%   machine holds the result's lock and publishes over it (its earlier
%   sidecar is removed before the renames), a read that finds no sidecar
%   or files of both results is made again, for up to 5 s.
%
%   [DATA, META, SD] = IPCF_READ(PATH) also returns the error bars of a
%   result computed with them (META.errors: PATH's OUT.sd.npy, checked
%   against the size and checksum META.errors records), DATA's size, or []
%   when it has none: IPCF_FIT(DATA, 'Info', META, 'Sigma', SD) weights the
%   fit by them as `ipcf fit` and Python's fit_result do by default.
%
%   Error bars read by their own path (OUT.sd.npy, which has no metadata
%   of its own) are checked against their result's META.errors as above,
%   and META is struct('errors_of', 'OUT.npy', 'errors', that record), not
%   a result's metadata (error bars are no curves): error bars it does not
%   record (an earlier run's), or changed since, raise ipcf:io.
%
%   The maps of `ipcf fit` beside MAPS.npy (MAPS.chisq.npy, .status.npy,
%   .stderr.npy) are checked against the record of them in MAPS.npy.json
%   (companions), and META is struct('companion_of', 'MAPS.npy', 'map',
%   'chisq', 'companion', that record); an array of fit's Zarr maps
%   (MAPS.zarr/params, ...) against the group's files_crc32c. A map changed
%   since, or one the maps do not record, raises ipcf:io.
%
%   IPCF_READ_RESULT is the same function under its former name.
%
%   Example:
%     [G, meta] = ipcf_read('pcf.npy');
%     curve = squeeze(G(10, 12, 1, :));              % one pixel, circle point 1
%     semilogx(meta.delay_frames(2:end), curve(2:end)); xlabel('delay (frames)');
%
%   See also IPCF_PCF_FILE, IPCF_PCF, IPCF_READ_RESULT.
if nargin < 1
  error('ipcf:invalid_argument', 'ipcf_read: PATH is required');
end
if isa(path, 'string') && numel(path) == 1
  path = char(path);
end
if ~ischar(path) || isempty(path)
  error('ipcf:invalid_argument', 'ipcf_read: PATH must be a character vector');
end
if any(path == char(0))
  % the operating system would read the path only up to the NUL
  error('ipcf:invalid_argument', 'ipcf_read: PATH contains a NUL character (character %d of %d)', ...
        find(path == char(0), 1), numel(path));
end
% trailing separators off, without regexprep: it refuses a name that is
% not UTF-8 (a Latin-1 file name that ipcf_pcf_file wrote)
while numel(path) > 1 && any(path(end) == '/\\')
  path(end) = [];
end
% A relative name is of the current folder: exist() and fopen() would
% search every folder of the load path for it (and for its sidecar).
if ~(path(1) == '/' || (ispc() && (any(path(1) == '\\') || (numel(path) > 1 && path(2) == ':'))))
  path = [pwd() filesep() path];
end
% A result linked into a work folder: read with the metadata beside the
% file the link names (core/ooc Linked, as every host reads; it was
% returned unchecked with none).
path = linked(path);
% The partial output of an ipcf run (.OUT.partial beside OUT), or a folder
% inside one (an OME-Zarr's array "0"): unfinished, what is not computed
% yet reads as zeros; it was returned with no metadata (DISK17's F1,
% REVIEW19's F1).
pd = path;
while true
  [pdir, pname, pext] = fileparts(pd);
  pbase = [pname pext];
  if numel(pbase) > numel('..partial') && pbase(1) == '.' && strcmp(pbase(end-7:end), '.partial')
    error('ipcf:io', ['ipcf_read: %s is the unfinished output of an ipcf run writing %s (a stopped run''s, or ' ...
                      'one running now; what is not computed yet reads as zeros): not read; run that job again ' ...
                      'to finish it, and read %s'], path, fullfile(pdir, pbase(2:end-8)), fullfile(pdir, pbase(2:end-8)));
  end
  if isempty(pdir) || strcmp(pdir, pd)
    break
  end
  pd = pdir;
end
% While a run of ipcf publishes over the result (its lock file names a
% live process; the earlier sidecar is removed before the renames, the
% files renamed one by one), a read can find the .npy without its sidecar,
% or files of both results: it is made again rather than return the data
% without metadata or fail on the mixture, for as long as that run lives
% (at most 5 s), and once more after a run that has just ended (the files
% read while it renamed them). A damaged result fails. The library reads
% the lock (ipcf_lock_holder, as for ipcf plot and Python's open_result):
% another host's counts as live.
t0 = tic;
once = true;
failed_id = [];
flickered = false;
while true
  try
    % (error bars, OUT.sd.npy: their metadata are their result's, OUT.npy.json;
    % with those there they were refused beside a live run's lock: REVIEW4's F2)
    side = [path '.json'];
    if numel(path) > 7 && strcmp(path(end-6:end), '.sd.npy')
      side = [path(1:end-7) '.npy.json'];
    end
    had = exist(side, 'file');  % before the read: one renamed in during it was not read
    before = file_id(side);
    [data, meta, sd] = read_once(path, max(nargout, 1));
    nometa = isempty(meta) || (isstruct(meta) && isempty(fieldnames(meta)));
    gone = had && nometa && ~exist(side, 'file');  % there before the read, gone during it
    if had && nometa && ~gone && ~exist(path, 'dir') && ...
        (~flickered || (~isequal(file_id(side), before) && toc(t0) < 5))
      % there before the read and after it, and none read: gone and back
      % during the read (a run renamed the next one in), or metadata that
      % name nothing ({}); read again (once, and while another file comes
      % in its place), which tells them apart (211 of 4001 reads of error
      % bars while their result's sidecar was removed and renamed in again
      % came without metadata)
      flickered = true;
      continue;
    end
    if ~exist(path, 'dir') && (~had || gone)
      % (a sidecar there now came during the read, or one there before
      % went during it: read again with it; the read without it was
      % returned, unchecked: REVIEW5's F8)
      if exist(side, 'file') || sidecar_coming(path, side, t0)
        continue;
      end
      % Not a user's array without metadata: beside the lock of a run that
      % was stopped (killed while it published: the earlier sidecar is
      % removed before the renames), or of one still publishing after the
      % wait, an unlabelled, unchecked result; refused, as ipcf plot and
      % Python's open_result refuse it.
      % (SIDE: error bars' metadata are their result's, named so whichever
      % lock is found; OUT.sd.npy.json was named, REVIEW6's F6)
      [line, state] = lock_of(path);
      if state == 1
        error('ipcf:io', ['ipcf_read: %s has no metadata (%s), and the ipcf run that wrote it (%s) was ' ...
              'stopped before it finished: run that job again to finish it'], path, side, line);
      elseif state == 2
        error('ipcf:io', ['ipcf_read: %s is being written by an ipcf run (%s), and its metadata %s are ' ...
              'not there yet: read it when that run has ended'], path, line, side);
      elseif state == 3
        error('ipcf:io', ['ipcf_read: %s has no metadata (%s), and the lock file of an ipcf run lies beside ' ...
              'it, which ipcf_lock_holder_mex could not read (%s): build the MEX gateways (make.m) and read it again'], ...
              path, side, line);
      end
    end
    return;
  catch err
    if ~strcmp(err.identifier, 'ipcf:io') || toc(t0) > 5
      rethrow(err);
    end
    if ~live_writer(path)
      % one more read after a run that has just ended, and again while
      % the sidecar changes between failures (back-to-back reruns: the
      % one more read met the next run's publication, REVIEW6's F3)
      now_id = file_id(side);
      if ~once && isequal(now_id, failed_id)
        rethrow(err);
      end
      once = false;
      failed_id = now_id;
    end
    pause(0.02);
  end
end
end

function id = file_id(p)
% What tells the file at P from another put in its place (Octave: inode,
% change time, size; MATLAB: time and size), [] where there is none.
id = [];
if exist('OCTAVE_VERSION', 'builtin')
  [st, err] = lstat(p);
  if err == 0
    id = [st.dev, st.ino, st.ctime, st.size];
  end
else
  d = dir(p);
  if numel(d) == 1
    id = [d.datenum, d.bytes];
  end
end
end

function p = linked(p)
% P, or the file a link at P names where no sidecar lies beside the link
% (a result or its error bars: the metadata, companions and lock beside
% that file).
if exist([p '.json'], 'file') || ~exist(p, 'file')
  return;
end
try
  if exist('OCTAVE_VERSION', 'builtin')
    real = canonicalize_file_name(p);
  else
    real = char(java.io.File(p).getCanonicalPath());
  end
catch
  return;   % (a name that is not UTF-8)
end
if ~isempty(real) && ~strcmp(real, p)
  p = real;
end
end

function [data, meta, sd] = read_once(path, nout)
% Errors of Octave's or MATLAB's own functions on damaged bytes (regexp
% refuses text that is not UTF-8) get ipcf's identifier, as every other.
sd = [];
try
  if nout > 2
    [data, meta, sd] = read_all(path, nout);
  else
    [data, meta] = read_all(path, nout);
  end
catch err
  if ~isempty(err.identifier) && strncmp(err.identifier, 'ipcf:', 5)
    rethrow(err);
  end
  error('ipcf:io', 'ipcf_read: %s: %s', path, err.message);
end
end

function coming = sidecar_coming(path, side, t0)
% Whether the sidecar SIDE of the .npy result PATH (for error bars, their
% result's), absent, appears within 5 s of T0 while a live ipcf run holds
% its lock.
while true
  if exist(side, 'file')
    coming = true;
    return;
  end
  if toc(t0) > 5 || ~live_writer(path)
    % (a run that renamed it in and ended between the two looks: it is
    % there; it was returned without metadata, REVIEW6's F2)
    coming = exist(side, 'file') ~= 0;
    return;
  end
  pause(0.02);
end
end

function live = live_writer(path)
% Whether a live ipcf run holds the lock of the output PATH (lock_of).
[~, state] = lock_of(path);
live = state == 2;
end

function [line, state, q] = lock_of(path)
% The lock of the output PATH as the library reads it (ipcf_lock_holder):
% its line and state, 0 none, 1 its run stopped (a process of this host
% that is gone), 2 live (or another host's), 3 a lock file there that the
% MEX could not read (LINE: why; a missing MEX gateway took it for none);
% error bars (.sd.npy) by their result's lock too. Q: the output whose
% lock it is.
line = '';
state = 0;
paths = {path};
if numel(path) > 7 && strcmp(path(end-6:end), '.sd.npy')
  paths{end + 1} = [path(1:end-7) '.npy'];
end
for k = 1:numel(paths)
  q = paths{k};
  try
    [state, line] = ipcf_lock_holder_mex(q);
  catch err
    state = 0;
    try
      % the lock .NAME.lock beside NAME, without fullfile and fileparts
      % (they refuse a file name that is not UTF-8)
      cut = find(q == '/' | (ispc() & q == '\'), 1, 'last');
      if isempty(cut)
        cut = 0;
      end
      if exist([q(1:cut) '.' q(cut+1:end) '.lock'], 'file')
        state = 3;
        line = err.message;
      end
    catch
      % (a name Octave's string functions refuse): nothing to tell
    end
  end
  if state ~= 0
    return;
  end
end
q = path;
end

function [data, meta, sd] = read_all(path, nout)
raw = [];
if exist(path, 'dir')
  if exist(pjoin(path, '.zarray'), 'file')
    in_omezarr(path);
    data = read_zarr(path);
    metafile = pjoin(path, '.zattrs');
    check_maps_array(path);
  elseif exist(pjoin(path, '0', '.zarray'), 'file')
    error('ipcf:invalid_argument', ['ipcf_read: %s is an OME-Zarr result (its array is the folder "0", ' ...
                                    'axes delay, offset, row, column): ipcf_read reads .npy results and ' ...
                                    'plain .zarr results (OUT.zarr)'], path);
  elseif is_fit_maps_group(path)
    % ipcf fit's Zarr maps: a group of arrays, read one at a time (it was
    % called "a folder without .zarray")
    error('ipcf:invalid_argument', ['ipcf_read: %s is the Zarr group of ipcf fit''s maps, not an array: ' ...
                                    'ipcf_read reads its arrays one at a time: %s, %s, %s, %s'], path, ...
          pjoin(path, 'params'), pjoin(path, 'stderr'), pjoin(path, 'chisq'), pjoin(path, 'status'));
  else
    error('ipcf:invalid_argument', 'ipcf_read: %s is a folder without .zarray (not a Zarr array)', path);
  end
else
  base = errors_base(path);
  if ~isempty(base)
    % Error bars (OUT.sd.npy) have no metadata of their own: checked against
    % their result's errors record, and described by its metadata. They were
    % returned unchecked with none: damaged ones, or an earlier run's, then
    % weighted a fit.
    [meta, text] = read_meta([base '.json'], nout > 1);
    data = read_errors(base, text, path);
    sd = [];
    % Their record and their result, not the result's metadata: error bars
    % are no curves (IPCF_FIT refuses them as such).
    if isstruct(meta) && isfield(meta, 'errors')
      meta = struct('errors_of', base, 'errors', meta.errors);
    elseif nout > 1
      meta = struct('errors_of', base);
    end
    return
  end
  [base, key] = companion_base(path);
  if ~isempty(base)
    % A map beside ipcf fit's MAPS.npy (MAPS.chisq.npy, .status.npy,
    % .stderr.npy) has no metadata of its own: checked against the maps'
    % record of it (companions), as ipcf plot checks it. It was returned
    % unchecked: a damaged map, or an earlier fit's, read as these.
    [~, text] = read_meta([base '.json'], false);
    [data, rec] = read_companion(base, text, path, key);
    meta = struct('companion_of', base, 'map', key, 'companion', rec);
    sd = [];
    return
  end
  [data, raw] = read_npy(path);
  metafile = [path '.json'];
end
% checked with one output too: DATA = IPCF_READ(PATH) is the common call
[meta, text] = read_meta(metafile, nout > 1);
check_bytes(path, metafile, text, exist(path, 'dir') ~= 0, raw);
sd = [];
if nout > 2
  sd = read_errors(path, text);
end
end

function ok = is_fit_maps_group(path)
% Whether the folder PATH is the Zarr group of ipcf fit's maps: .zgroup,
% and .zattrs naming ipcf's fit (any group with an array "params" was
% called so: a review).
ok = false;
attrs = pjoin(path, '.zattrs');
if exist(pjoin(path, '.zgroup'), 'file') && exist(attrs, 'file') && ~exist(attrs, 'dir')
  text = read_text(attrs);
  ok = ~isempty(regexp(text, '"software"\s*:\s*"ipcf"', 'once')) && ~isempty(regexp(text, '"command"\s*:\s*"fit"', 'once'));
end
end

function [parent, name, group, text] = zarr_group(path)
% The Zarr group holding the array folder PATH: its folder, the array's
% name in it, its .zattrs and their text ('' where PATH is in no group
% with attributes).
[parent, name, ext] = fileparts(path);
name = [name ext];
if isempty(parent)
  parent = '.';
end
group = pjoin(parent, '.zattrs');
text = '';
if exist(pjoin(parent, '.zgroup'), 'file') && exist(group, 'file') && ~exist(group, 'dir')
  text = read_text(group);
end
end

function in_omezarr(path)
% Refuses the array folder of an ipcf OME-Zarr result (OUT.ome.zarr/0):
% its chunks' checksums are in the group's .zattrs, one folder up, which
% this reader does not check (a damaged chunk was returned).
[parent, name, ~, text] = zarr_group(path);
% a pCF result's group (OME-NGFF multiscales); a fit's maps.zarr has none,
% and its arrays are read as plain arrays
if ~isempty(regexp(text, '"software"\s*:\s*"ipcf"', 'once')) && ~isempty(regexp(text, '"multiscales"\s*:', 'once'))
  error('ipcf:invalid_argument', ['ipcf_read: %s is the array "%s" of the OME-Zarr result %s (axes delay, ' ...
                                  'offset, row, column), whose checksums ipcf_read does not check: it reads ' ...
                                  '.npy results and plain .zarr results (OUT.zarr)'], path, name, parent);
end
end

function [base, key] = companion_base(path)
% The maps (MAPS.npy) of ipcf fit whose metadata record PATH, a map beside
% them without metadata of its own (MAPS.chisq.npy, .status.npy,
% .stderr.npy), and its key; '' when PATH is no such file.
base = '';
key = '';
if exist([path '.json'], 'file')
  return
end
for k = {'chisq', 'status', 'stderr'}
  suffix = ['.' k{1} '.npy'];
  if numel(path) > numel(suffix) && strcmp(path(end-numel(suffix)+1:end), suffix)
    b = [path(1:end-numel(suffix)) '.npy'];
    if ~exist([b '.json'], 'file') || exist([b '.json'], 'dir')
      return
    end
    try
      text = read_text([b '.json']);
    catch
      return
    end
    damaged = false;
    try
      ipcf_check_metadata_mex(text);
    catch
      damaged = true;  % ipcf's metadata changed or cut short: refused by read_companion, not read past
    end
    % (maps of 0.3.0 record no companions: their maps are read as they are)
    if damaged || (~isempty(regexp(text, '"software"\s*:\s*"ipcf"', 'once')) && ...
                   ~isempty(regexp(text, '"command"\s*:\s*"fit"', 'once')) && ...
                   ~isempty(regexp(text, '"companions"\s*:', 'once')))
      base = b;
      key = k{1};
    end
    return
  end
end
end

function [data, rec] = read_companion(base, text, path, key)
% The map PATH of ipcf fit's maps BASE, checked against the record of it
% in their metadata TEXT (companions.KEY: file, crc32c, bytes).
str = '"(?:[^"\\]|\\.)*"';
flat = ['\{(?:[^{}"]|' str ')*\}'];
block = regexp(text, ['"companions"\s*:\s*\{((?:[^{}"]|' str '|' flat ')*)\}'], 'tokens', 'once');
entry = {};
if ~isempty(block)
  entry = regexp(block{1}, ['"' key '"\s*:\s*\{((?:[^{}"]|' str ')*)\}'], 'tokens', 'once');
end
f = {};
if ~isempty(entry)
  f = regexp(entry{1}, '"file"\s*:\s*"((?:[^"\\]|\\.)+)"', 'tokens', 'once');
end
[~, wn, we] = fileparts(path);
% (recorded under any name: maps renamed or copied with their companions
% have them under their own, checked by their bytes below; OUT15's F9b)
if isempty(f)
  error('ipcf:io', ['ipcf_read: %s: %s.json (ipcf fit''s maps) records no %s map: not a map of ' ...
                    'those maps (an earlier fit''s?); fit again, or rename the file to read it without metadata'], ...
        path, base, key);
end
c = regexp(entry{1}, '"crc32c"\s*:\s*"([0-9a-f]{8})"', 'tokens', 'once');
n = regexp(entry{1}, '"bytes"\s*:\s*(\d+)', 'tokens', 'once');
if isempty(c)
  error('ipcf:io', 'ipcf_read: %s.json: the %s map is recorded without its checksum', base, key);
end
[data, raw] = read_npy(path);
[crc, bytes] = ipcf_file_crc32c_mex(raw);  % of the bytes read
if ~strcmp(crc, c{1}) || (~isempty(n) && str2double(n{1}) ~= bytes)
  error('ipcf:io', ['ipcf_read: %s: checksum %s, %d bytes, but %s.json records %s: changed or damaged since ' ...
                    'ipcf fit wrote it, or an earlier fit''s; fit again'], path, crc, bytes, base, c{1});
end
rec = struct('file', [wn we], 'crc32c', c{1}, 'bytes', bytes);
end

function check_maps_array(path)
% An array folder of ipcf fit's Zarr maps (MAPS.zarr/params, ...): each of
% its files is checked against the CRC-32C the group's .zattrs records
% (files_crc32c), as ipcf plot checks them; an array it does not record is
% refused. They were read unchecked (no checksums of their own).
[~, name, group, text] = zarr_group(path);
if isempty(regexp(text, '"software"\s*:\s*"ipcf"', 'once')) || isempty(regexp(text, '"command"\s*:\s*"fit"', 'once')) ...
   || isempty(regexp(text, '"files_crc32c"\s*:', 'once'))
  % An array of fit's maps whose group metadata are gone or not fit's:
  % read unchecked under the maps' labels, where ipcf plot refuses them
  % (ZARR17's m2).
  % (maps of 0.3.1 before their checksums, whose group metadata are ipcf
  % fit's without files_crc32c, are read as they were: REVIEW18's m2)
  own = pjoin(path, '.zattrs');
  fits = ~isempty(regexp(text, '"software"\s*:\s*"ipcf"', 'once')) && ~isempty(regexp(text, '"command"\s*:\s*"fit"', 'once'));
  if fits
    % checked, sealed: metadata edited since (files_crc32c removed) are not
    % maps of 0.3.1 to read unchecked (REVIEW19's m2)
    check_metadata(text, group);
  end
  if ~fits && any(strcmp(name, {'params', 'stderr', 'chisq', 'status'})) && exist(pjoin(fileparts(group), '.zgroup'), 'file') ...
     && exist(own, 'file') && ~isempty(regexp(read_text(own), '"model"\s*:', 'once'))
    error('ipcf:io', ['ipcf_read: %s is an array of ipcf fit''s maps whose group metadata (%s, which records ' ...
                      'the checksums) are missing or not ipcf fit''s: not read; fit again'], path, group);
  end
  return
end
check_metadata(text, group);  % the group's metadata as ipcf fit wrote them
block = regexp(text, '"files_crc32c"\s*:\s*\{([^{}]*)\}', 'tokens', 'once');
if isempty(block)
  error('ipcf:io', 'ipcf_read: %s: files_crc32c is not a record of checksums as ipcf writes it', group);
end
pairs = regexp(block{1}, '"([^"]+)"\s*:\s*"([^"]*)"', 'tokens');
found = false;
for k = 1:numel(pairs)
  key = pairs{k}{1};
  if ~strncmp(key, [name '/'], numel(name) + 1)
    continue
  end
  found = true;
  rel = key(numel(name)+2:end);
  if isempty(rel) || rel(1) == '/' || any(strcmp(strsplit(rel, '/'), '..')) || any(rel == '\')
    error('ipcf:io', 'ipcf_read: %s lists %s, not a file of the Zarr folder', group, key);
  end
  file = pjoin(path, rel);
  if ~exist(file, 'file') || exist(file, 'dir')
    error('ipcf:io', 'ipcf_read: %s: listed in %s (files_crc32c) but missing or not a file: fit again', file, group);
  end
  crc = ipcf_file_crc32c_mex(file);
  if ~strcmp(crc, pairs{k}{2})
    error('ipcf:io', ['ipcf_read: %s: checksum %s, but %s records %s: changed or damaged since ipcf fit wrote ' ...
                      'it; fit again'], file, crc, group, pairs{k}{2});
  end
end
if ~found
  error('ipcf:io', ['ipcf_read: %s: %s (ipcf fit''s maps) records no files of an array "%s": not an array of ' ...
                    'those maps; fit again'], path, group, name);
end
end

function base = errors_base(path)
% The result (OUT.npy) whose metadata describe the error bars PATH
% (OUT.sd.npy, without metadata of its own), or '' when PATH is no such
% file or has no such result beside it (read as it is).
base = '';
suffix = '.sd.npy';
if numel(path) <= numel(suffix) || ~strcmp(path(end-numel(suffix)+1:end), suffix) || exist([path '.json'], 'file') ...
    || ~exist(path, 'file')
  return   % (a missing one: 'no such file', not another result's error bars)
end
b = [path(1:end-numel(suffix)) '.npy'];
if exist([b '.json'], 'file')
  base = b;
end
end

function sd = read_errors(path, text, want)
% The error bars META.errors records (file, bytes, crc32c), checked. With
% WANT (the error bars' path, read through ipcf_read), a result without
% them is an error.
sd = [];
% (braces inside its strings are text: a result named 'r{1}.npy' had its
% error bars taken for none)
block = regexp(text, '"errors"\s*:\s*\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}', 'tokens', 'once');
if isempty(block)
  if nargin > 2
    error('ipcf:io', ['ipcf_read: %s: %s.json records no error bars: not the error bars of that result ' ...
                      '(an earlier run''s?); compute them again, or rename the file to read it without metadata'], want, path);
  end
  return
end
f = regexp(block{1}, '"file"\s*:\s*"((?:[^"\\]|\\.)+)"', 'tokens', 'once');
if ~isempty(f)
  % JSON escapes decoded (Go writes &, < and > as \u0026, \u003c, \u003e:
  % the name of a result 'a&b.npy' was refused); a name beside the result
  f = {json_unescape(f{1})};
  if any(f{1} == '/') || (ispc() && any(f{1} == '\')) || any(strcmp(f{1}, {'.', '..'}))
    f = {};
  end
end
c = regexp(block{1}, '"crc32c"\s*:\s*"([0-9a-f]{8})"', 'tokens', 'once');
n = regexp(block{1}, '"bytes"\s*:\s*(\d+)', 'tokens', 'once');
if isempty(f) || isempty(c)
  error('ipcf:io', 'ipcf_read: %s: its metadata record error bars without their file and checksum', path);
end
% By the name rule (OUT.sd.npy beside OUT.npy), not the name recorded when
% they were written: a result renamed or copied with its error bars has
% them under its own name (OUT15's F9); the checksum below says whether
% they are its.
[d, stem, ext] = fileparts(path);
name = pjoin(d, [stem '.sd' ext]);
if ~exist(name, 'file') || exist(name, 'dir')
  error('ipcf:io', 'ipcf_read: %s: its error bars %s are missing: compute the result again', path, name);
end
[sd, raw] = read_npy(name);
[crc, bytes] = ipcf_file_crc32c_mex(raw);  % of the bytes read
if ~strcmp(crc, c{1}) || (~isempty(n) && str2double(n{1}) ~= bytes)
  error('ipcf:io', ['ipcf_read: %s: checksum %s, but the metadata of %s record %s: not this result''s error ' ...
                    'bars (changed since?); compute the result again'], name, crc, path, c{1});
end
end

function s = json_unescape(t)
% The text of a JSON string's contents T with its escapes decoded.
s = '';
k = 1;
while k <= numel(t)
  c = t(k);
  if c ~= '\' || k == numel(t)
    s(end+1) = c;
    k = k + 1;
    continue
  end
  e = t(k + 1);
  switch e
    case 'u'
      if k + 5 <= numel(t) && all(isstrprop(t(k+2:k+5), 'xdigit'))
        code = hex2dec(t(k+2:k+5));
        if code < 128
          s(end+1) = char(code);
        elseif code < 2048  % UTF-8 bytes, as the name is written on disk
          s = [s char([192 + floor(code / 64), 128 + mod(code, 64)])];
        else
          s = [s char([224 + floor(code / 4096), 128 + mod(floor(code / 64), 64), 128 + mod(code, 64)])];
        end
        k = k + 6;
        continue
      end
      s(end+1:end+2) = t(k:k+1);
    case 'n'
      s(end+1) = char(10);
    case 't'
      s(end+1) = char(9);
    case 'r'
      s(end+1) = char(13);
    case 'b'
      s(end+1) = char(8);
    case 'f'
      s(end+1) = char(12);
    otherwise  % \" \\ \/
      s(end+1) = e;
  end
  k = k + 2;
end
end

function check_bytes(path, metafile, text, zarr, raw)
% The data and the metadata returned together must describe each other:
% where ipcf's metadata record the result's checksums (output_crc32c and
% output_bytes of a .npy; chunks_crc32c and metadata_crc32c of a Zarr),
% the files are checked against them (ipcf:io otherwise: a sidecar copied
% from another result of the same shape names other offsets or delays, or
% the file changed since), as Python's fit_result and ipcf fit do. The
% records are read from the JSON text itself (jsondecode would turn chunk
% keys such as 0.0.0.0 into other field names, and MATLAB's takes no
% option to keep them). TEXT is the metadata file's ('' without one); RAW
% the bytes of the .npy file the data were read from (its checksum is of
% them: the path may name another file by now).
if ~zarr
  if isempty(regexp(text, '"output_crc32c"\s*:', 'once'))
    return
  end
  % Once each, in the form ipcf writes (8 lower-case hex digits; digits):
  % another form, a repeat or a nested key of that name is not read as
  % ipcf's record (a regexp took one copy while jsondecode returned
  % another, and an upper-case record went unchecked).
  t = regexp(text, '"output_crc32c"\s*:\s*"([0-9a-f]{8})"', 'tokens');
  n = regexp(text, '"output_bytes"\s*:\s*(\d+)\s*[,}]', 'tokens');
  if numel(t) ~= 1 || numel(regexp(text, '"output_crc32c"\s*:')) ~= 1 || ...
     numel(n) > 1 || numel(n) ~= numel(regexp(text, '"output_bytes"\s*:'))
    error('ipcf:io', ['ipcf_read: %s: output_crc32c or output_bytes is not recorded as ipcf records it (once, ' ...
                      'as 8 lower-case hex digits and a whole number): not ipcf''s metadata as written'], metafile);
  end
  want = t{1}{1};
  if ~isempty(n)
    n = n{1};
  end
  [crc, bytes] = ipcf_file_crc32c_mex(raw);
  if ~strcmp(crc, want) || (~isempty(n) && str2double(n{1}) ~= bytes)
    error('ipcf:io', ['ipcf_read: %s: checksum %s, but %s records %s: not this result''s metadata ' ...
                      '(another result''s, or the file changed since); compute the result again'], ...
          path, crc, metafile, want);
  end
  return
end
for field = {'chunks_crc32c', 'metadata_crc32c'}
  block = regexp(text, ['"' field{1} '"\s*:\s*\{([^{}]*)\}'], 'tokens', 'once');
  if isempty(block)
    if ~isempty(regexp(text, ['"' field{1} '"\s*:'], 'once'))
      error('ipcf:io', 'ipcf_read: %s: %s is not a record of checksums as ipcf writes it', metafile, field{1});
    end
    continue
  end
  if numel(regexp(text, ['"' field{1} '"\s*:'])) ~= 1
    error('ipcf:io', 'ipcf_read: %s: %s is recorded more than once: not ipcf''s metadata as written', metafile, field{1});
  end
  pairs = regexp(block{1}, '"([^"]+)"\s*:\s*"([^"]*)"', 'tokens');
  for k = 1:numel(pairs)
    key = pairs{k}{1};
    want = pairs{k}{2};
    parts = strsplit(key, '/');
    if key(1) == '/' || any(strcmp(parts, '..')) || any(key == '\')
      error('ipcf:io', 'ipcf_read: %s lists %s (%s), not a file of the Zarr folder', metafile, key, field{1});
    end
    name = pjoin(path, key);
    if ~exist(name, 'file') || exist(name, 'dir')
      error('ipcf:io', 'ipcf_read: %s: listed in .zattrs (%s) but missing or not a file: compute the result again', ...
            name, field{1});
    end
    crc = ipcf_file_crc32c_mex(name);
    if ~strcmp(crc, want)
      error('ipcf:io', ['ipcf_read: %s: checksum %s, but .zattrs (%s) records %s: the chunk or metadata changed ' ...
                        'since the result was written; compute the result again'], name, crc, field{1}, want);
    end
  end
end
end

function check_metadata(text, file)
% ipcf_check_metadata of the metadata file FILE, its refusal naming the file
% and ipcf_read (it named neither: OCT18's m3)
try
  ipcf_check_metadata_mex(text);
catch err
  error(err.identifier, 'ipcf_read: %s: %s', file, regexprep(err.message, '^ipcf_check_metadata_mex: ', ''));
end
end

function [meta, text] = read_meta(file, decode)
meta = [];
text = '';
if ~exist(file, 'file')
  return
end
[text, ok] = read_text(file);
if ~ok && ~exist(file, 'file')
  return   % removed since the look (a run publishing): none, not damaged ones (REVIEW6's F3)
end
% ipcf's metadata record a checksum of themselves (self_crc32c): a file
% edited or damaged since is refused (ipcf:io), never read for a result's
% delays, offsets or units.
check_metadata(text, file);
if ~decode
  return   % (the checksums are read from the text itself)
elseif exist('jsondecode') ~= 0 %#ok<EXIST>
  meta = jsondecode(text);
else
  meta = text;
end
end

function [data, raw] = read_npy(path)
% The .npy file at PATH read whole, once, into RAW (uint8): the values come
% from RAW and check_bytes takes the checksum of RAW, so the two are of
% one file whatever PATH names meanwhile (a checksum of the path, opened
% again, passed on a result replaced in between, and the old values were
% returned with the new metadata).
check_regular(path);
fid = fopen(path, 'r');
if fid < 0
  error('ipcf:io', 'ipcf_read: cannot open %s', path);
end
c = onCleanup(@() fclose(fid));
try
  raw = fread(fid, Inf, 'uint8=>uint8');
catch err
  error('ipcf:out_of_memory', 'ipcf_read: %s does not fit in memory (%s)', path, err.message);
end
clear c;
raw = raw(:);
[h, offset] = npy_header(raw, path);
% The header is a dict of exactly descr, fortran_order and shape, each
% once (as numpy requires): each is taken out, and nothing else may be
% left. A search for each anywhere read a key's text inside another
% value (a header whose extra key held "'fortran_order': True" was read
% transposed), a duplicate key, or a value that is neither True nor False.
rest = h;
[t, rest] = take_entry(rest, '[''"]descr[''"]\s*:\s*[''"]([^''"]*)[''"]', 'descr', path);
if isempty(t)
  error('ipcf:invalid_argument', 'ipcf_read: %s: no descr in the header (structured dtypes are not supported)', path);
end
[prec, order, islogical, es] = npy_dtype(t{1}, path);
[f, rest] = take_entry(rest, '[''"]fortran_order[''"]\s*:\s*(True|False)', 'fortran_order', path);
if isempty(f)
  error('ipcf:invalid_argument', 'ipcf_read: %s: no fortran_order True or False in the header', path);
end
fortran = strcmp(f{1}, 'True');
[t, rest] = take_entry(rest, '[''"]shape[''"]\s*:\s*\(([^)]*)\)', 'shape', path);
if isempty(t)
  error('ipcf:invalid_argument', 'ipcf_read: %s: no shape in the header', path);
end
if ~isempty(regexprep(rest, '[{}\s,]', '')) || numel(strfind(rest, '{')) ~= 1 || numel(strfind(rest, '}')) ~= 1
  error('ipcf:invalid_argument', 'ipcf_read: %s: the header holds more than descr, fortran_order and shape (%s)', ...
        path, strtrim(rest));
end
% numpy before 1.14 (Python 2) wrote long integers as 2L; each item is
% digits only, no leading zero, as numpy writes them (str2double also
% took 08, 1e1, 0x10)
items = regexp(t{1}, '[^,\s]+', 'match');
shape = str2double(regexprep(items, '^(\d+)L$', '$1'));
if any(cellfun(@isempty, regexp(items, '^(0|[1-9]\d*)L?$', 'once'))) || any(isnan(shape) | shape < 0 | shape ~= floor(shape))
  error('ipcf:invalid_argument', 'ipcf_read: %s: shape (%s) is not a tuple of whole numbers >= 0', path, t{1});
end
% In double: exact up to 2^53 elements, beyond that (or Inf) far more than
% any file holds; compared with the file's size before anything is read.
n = prod(shape);   % 1 for shape ()
bytes = numel(raw) - offset;
if n > 0 && n * es > bytes
  error('ipcf:io', 'ipcf_read: %s: shape (%s) needs %.15g bytes of data, the file holds %d (file truncated)', ...
        path, t{1}, n * es, bytes);
end
% Exactly: numpy writes nothing after the data, so bytes beyond them mean
% a header that names less than the file holds (its length or shape
% damaged: every value shifted, or rows dropped), as the library refuses.
if n * es ~= bytes
  error('ipcf:io', ['ipcf_read: %s: shape (%s) of %s needs %.15g bytes of data, the file holds %d after its ' ...
                    'header (trailing bytes: a damaged header?)'], path, t{1}, descr_of(h), n * es, bytes);
end
if n == 0 && prod(max(shape, 1)) > flintmax
  error('ipcf:invalid_argument', 'ipcf_read: %s: shape (%s) is too large', path, t{1});
end
try
  data = typecast(raw(offset + 1:offset + n * es), regexprep(prec, '=>.*$', ''));
catch err
  error('ipcf:out_of_memory', 'ipcf_read: %s: %.15g values do not fit in memory (%s)', path, n, err.message);
end
[~, ~, e] = computer();
if order ~= 'n' && order ~= lower(e)
  data = swapbytes(data);
end
if islogical
  data = data ~= 0;
end
data = shape_array(data(:), shape, fortran);
end

function d = descr_of(h)
% the header's descr as written, for messages
d = regexp(h, '[''"]descr[''"]\s*:\s*[''"]([^''"]*)[''"]', 'tokens', 'once');
if isempty(d)
  d = '?';
else
  d = d{1};
end
end

function [t, rest] = take_entry(rest, pattern, key, path)
% The tokens of the one entry of the header text REST that PATTERN matches
% ({} when none), and REST without it; two are an error.
t = regexp(rest, pattern, 'tokens');
if numel(t) > 1
  error('ipcf:invalid_argument', 'ipcf_read: %s: the header gives %s %d times', path, key, numel(t));
end
if ~isempty(t)
  t = t{1};
  rest = regexprep(rest, pattern, '', 'once');
end
end

function [h, offset] = npy_header(raw, path)
% The header text of the .npy bytes RAW, and the offset of its data.
if numel(raw) < 6 || ~isequal(double(raw(1:6))', [147 double('NUMPY')])
  if numel(raw) >= 4 && (isequal(double(raw(1:4))', [73 73 42 0]) || isequal(double(raw(1:4))', [77 77 0 42]) || ...
                         isequal(double(raw(1:4))', [73 73 43 0]) || isequal(double(raw(1:4))', [77 77 0 43]))
    % (HOSTS11's m4: what it is, and what reads it, as Python's open_result says)
    error('ipcf:invalid_argument', ['ipcf_read: %s is a TIFF file, not a .npy file: ipcf_read reads .npy and .zarr ' ...
                                    'results (read an ImageJ TIFF result with imread or in ImageJ)'], path);
  end
  error('ipcf:invalid_argument', 'ipcf_read: %s is not a .npy file', path);
end
if numel(raw) < 8
  error('ipcf:io', 'ipcf_read: %s: truncated header', path);
end
ver = double(raw(7));
if ver == 1
  lenbytes = 2;
elseif ver == 2 || ver == 3
  lenbytes = 4;
else
  error('ipcf:invalid_argument', 'ipcf_read: %s: .npy version %d not supported', path, ver);
end
if numel(raw) < 8 + lenbytes
  error('ipcf:io', 'ipcf_read: %s: truncated header', path);
end
hlen = sum(double(raw(9:8 + lenbytes))' .* 256 .^ (0:lenbytes - 1));
offset = 8 + lenbytes + hlen;
if numel(raw) < offset
  error('ipcf:io', 'ipcf_read: %s: truncated header', path);
end
if any(raw(9 + lenbytes:offset) > 127)
  % numpy writes the header in ASCII (the dtypes read here have no field
  % names): a byte beyond is damage (and Octave's regexp refuses it).
  error('ipcf:invalid_argument', 'ipcf_read: %s: the .npy header holds bytes that are not ASCII (damaged?)', path);
end
h = char(raw(9 + lenbytes:offset))';
end

function data = shape_array(data, shape, fortran)
% numpy shape -> MATLAB array indexed data(i0+1, i1+1, ...)
nd = numel(shape);
if nd == 0
  data = reshape(data, 1, 1);
elseif nd == 1
  data = reshape(data, shape, 1);
elseif fortran
  data = reshape(data, shape);
else
  data = reshape(data, fliplr(shape));
  data = permute(data, nd:-1:1);
end
end

function data = read_values(fid, n, prec, path)
% fread of n values; a failed allocation raises ipcf:out_of_memory
try
  data = fread(fid, n, prec);
catch err
  error('ipcf:out_of_memory', 'ipcf_read: %s: %.15g values do not fit in memory (%s)', path, n, err.message);
end
end

function [prec, order, islogical, es] = npy_dtype(descr, path)
% order: 'l', 'b' or 'n' (no byte order: one byte); es: bytes per value
islogical = false;
if numel(descr) < 3 || ~any(descr(1) == '<>|=')
  error('ipcf:invalid_argument', 'ipcf_read: %s: dtype %s not supported', path, descr);
end
switch descr(1)
  case '<'
    order = 'l';
  case '>'
    order = 'b';
  case '='
    [~, ~, e] = computer();
    order = lower(e);
  otherwise
    order = 'n';
end
switch descr(2:end)
  case 'f4'
    prec = 'single=>single';
  case 'f8'
    prec = 'double=>double';
  case 'u1'
    prec = 'uint8=>uint8';
  case 'i1'
    prec = 'int8=>int8';
  case 'b1'
    prec = 'uint8=>uint8';
    islogical = true;
  case 'u2'
    prec = 'uint16=>uint16';
  case 'i2'
    prec = 'int16=>int16';
  case 'u4'
    prec = 'uint32=>uint32';
  case 'i4'
    prec = 'int32=>int32';
  case 'u8'
    prec = 'uint64=>uint64';
  case 'i8'
    prec = 'int64=>int64';
  otherwise
    error('ipcf:invalid_argument', 'ipcf_read: %s: dtype %s not supported', path, descr);
end
if any(strcmp(descr(2:end), {'u1', 'i1', 'b1'}))
  order = 'n';
end
es = str2double(descr(3:end));
end

function data = read_zarr(path)
[h, ok] = read_text(pjoin(path, '.zarray'));
if ~ok
  error('ipcf:io', 'ipcf_read: cannot open %s', pjoin(path, '.zarray'));
end
% JSON escapes of the characters a dtype may hold (Go writes "\u003cf4")
h = regexprep(h, '\\u003[cC]', '<');
h = regexprep(h, '\\u003[eE]', '>');
[shape, stext] = json_ints(h, 'shape', path);
[chunks, ctext] = json_ints(h, 'chunks', path);
% Checked before any use: a chunk size 0 would make an infinite chunk
% grid, a negative or fractional size a wrong array.
zarray = pjoin(path, '.zarray');
if ~whole(shape, 0)
  error('ipcf:invalid_argument', 'ipcf_read: %s: shape [%s]: want whole numbers >= 0', zarray, stext);
end
if ~whole(chunks, 1)
  error('ipcf:invalid_argument', 'ipcf_read: %s: chunks [%s]: want whole numbers >= 1', zarray, ctext);
end
if numel(shape) ~= numel(chunks)
  error('ipcf:invalid_argument', 'ipcf_read: %s: shape [%s] and chunks [%s] differ in length', zarray, stext, ctext);
end
if isempty(shape)
  error('ipcf:invalid_argument', 'ipcf_read: %s: a Zarr array of shape [] (0 dimensions) is not supported', zarray);
end
if prod(max(shape, 1)) > flintmax
  error('ipcf:invalid_argument', 'ipcf_read: %s: shape [%s] is too large', zarray, stext);
end
t = regexp(h, '"dtype"\s*:\s*"([^"]*)"', 'tokens', 'once');
if isempty(t)
  error('ipcf:invalid_argument', 'ipcf_read: %s: no dtype in .zarray', path);
end
[prec, order, islogical, es] = npy_dtype(t{1}, path);
if isempty(regexp(h, '"compressor"\s*:\s*null', 'once'))
  error('ipcf:unsupported_layout', 'ipcf_read: %s: compressed Zarr chunks are not supported', path);
end
if ~isempty(regexp(h, '"filters"\s*:\s*\[', 'once'))
  error('ipcf:unsupported_layout', 'ipcf_read: %s: Zarr filters are not supported', path);
end
fortran = ~isempty(regexp(h, '"order"\s*:\s*"F"', 'once'));
sep = '.';
if ~isempty(regexp(h, '"dimension_separator"\s*:\s*"/"', 'once'))
  sep = '/';
end
fill = 0;
t = regexp(h, '"fill_value"\s*:\s*("?[^,}\s"]*"?)', 'tokens', 'once');
if ~isempty(t)
  v = strrep(t{1}, '"', '');
  switch v
    case 'NaN'
      fill = NaN;
    case {'Infinity', 'Inf'}
      fill = Inf;
    case {'-Infinity', '-Inf'}
      fill = -Inf;
    case 'null'
      fill = 0;
    otherwise
      fill = str2double(v);
  end
end
cls = regexprep(prec, '.*=>', '');
nd = numel(shape);
try
  data = repmat(cast(fill, cls), [shape ones(1, 2 - min(nd, 2))]);
catch err
  error('ipcf:out_of_memory', 'ipcf_read: %s: shape [%s] does not fit in memory (%s)', path, stext, err.message);
end
if islogical
  data = data ~= 0;
end
grid = ceil(shape ./ chunks);
g = zeros(1, nd);
for k = 1:prod(grid)
  % chunk index g (0-based), the last axis fastest
  r = k - 1;
  for a = nd:-1:1
    g(a) = mod(r, grid(a));
    r = floor(r / grid(a));
  end
  name = pjoin(path, strjoin(arrayfun(@num2str, g, 'UniformOutput', false), sep));
  byte = 'l';
  if order ~= 'n'
    byte = order;
  end
  if ~exist(name, 'file')
    continue   % a missing chunk holds the fill value
  end
  check_regular(name);
  fid = fopen(name, 'r', ['ieee-' byte 'e']);
  if fid < 0
    error('ipcf:io', 'ipcf_read: cannot open %s', name);
  end
  fseek(fid, 0, 'eof');
  if ftell(fid) ~= prod(chunks) * es
    % exactly: an uncompressed chunk is never longer (as the Python reader)
    bytes = ftell(fid);
    fclose(fid);
    why = 'chunk truncated';
    if bytes > prod(chunks) * es
      why = 'bytes beyond the chunk: not a chunk of this array';
    end
    error('ipcf:io', 'ipcf_read: %s: %d bytes, chunks [%s] need %.15g (%s)', name, bytes, ctext, ...
          prod(chunks) * es, why);
  end
  fseek(fid, 0, 'bof');
  try
    v = read_values(fid, prod(chunks), prec, name);
  catch err
    fclose(fid);
    rethrow(err);
  end
  fclose(fid);
  if numel(v) ~= prod(chunks)
    error('ipcf:io', 'ipcf_read: %s: %d of %d values (chunk truncated)', name, numel(v), prod(chunks));
  end
  if islogical
    v = v ~= 0;
  end
  v = shape_array(v, chunks, fortran);
  idx = cell(1, nd);
  sub = cell(1, nd);
  for a = 1:nd
    n = min(chunks(a), shape(a) - g(a) * chunks(a));
    idx{a} = g(a) * chunks(a) + (1:n);
    sub{a} = 1:n;
  end
  if nd == 1
    data(idx{1}) = v(sub{1});
  else
    data(idx{:}) = v(sub{:});
  end
end
end

function [v, text] = json_ints(h, key, path)
% the numbers of the JSON list KEY, as written (TEXT, blanks removed):
% every item is kept, sign and fraction included, for the caller to check
t = regexp(h, ['"' key '"\s*:\s*\[([^\]]*)\]'], 'tokens', 'once');
if isempty(t)
  error('ipcf:invalid_argument', 'ipcf_read: %s: no %s in .zarray', path, key);
end
items = regexp(t{1}, '[^,\s]+', 'match');
text = strjoin(items, ', ');
v = zeros(1, numel(items));
for k = 1:numel(items)
  v(k) = NaN;
  if ~isempty(regexp(items{k}, '^-?\d+(\.\d*)?([eE][-+]?\d+)?$', 'once'))
    v(k) = str2double(items{k});
  end
end
end

function ok = whole(v, lo)
% whole numbers >= lo (finite: NaN marks an item that is not a number)
ok = all(isfinite(v) & v == floor(v) & v >= lo);
end

function [text, ok] = read_text(file)
% The text of the regular file FILE ('' and OK false where it cannot be
% opened); a named pipe or device raises ipcf:io (check_regular).
text = '';
check_regular(file);
fid = fopen(file, 'r');
ok = fid >= 0;
if ok
  text = fread(fid, Inf, 'uint8=>char')';
  fclose(fid);
end
end

function check_regular(file)
% check_regular raises ipcf:io unless FILE is missing or a regular file:
% opening a named pipe (FIFO) for reading would block until a writer comes,
% a device may never end.
if ~exist(file, 'file') || exist(file, 'dir')
  if exist(file, 'dir')
    error('ipcf:io', 'ipcf_read: %s is a folder, not a file', file);
  end
  return
end
if exist('OCTAVE_VERSION', 'builtin')
  [st, err] = stat(file);
  ok = err == 0 && S_ISREG(st.mode);
else
  ok = java.io.File(file).isFile();
end
if ~ok
  error('ipcf:io', 'ipcf_read: %s is not a regular file (a named pipe, device or socket?)', file);
end
end

function p = pjoin(varargin)
% fullfile without regexprep, which Octave's fullfile calls and which
% refuses a name that is not UTF-8 (a Latin-1 result name that
% ipcf_pcf_file wrote: a .zarr result was refused as an I/O error,
% HOSTS11's F6).
p = varargin{1};
for k = 2:numel(varargin)
  if isempty(p) || p(end) == '/' || p(end) == filesep()
    p = [p varargin{k}];
  else
    p = [p '/' varargin{k}];
  end
end
end
