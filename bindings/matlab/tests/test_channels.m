function test_channels()
%TEST_CHANNELS A channel axis in file jobs: IPCF_PCF_FILE(..., 'Channel', N, 'Channel2', N).
%   Writes a 2-channel ImageJ hyperstack TIFF as ImageJ lays it out (every
%   image's samples back to back, channel c of frame t being image
%   t*C + c, then the IFDs) and checks that channel 1 against channel 2 is
%   bitwise IPCF_PCF(D1, ..., 'Data2', D2) in both engines, that channel 2
%   alone is IPCF_PCF(D2), that the metadata records the channels, and
%   that channels the file lacks are refused. Prints one PASS line per
%   check and raises an error if a check fails.
%     octave-cli -q -H --no-window-system --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); test_channels()"
failed = {};
npass = 0;
function check(ok, name, detail)
  if ok
    npass = npass + 1;
    fprintf('PASS %s\n', name);
  else
    failed{end + 1} = name;
    fprintf('FAIL %s: %s\n', name, detail);
  end
end
function expect_error(f, frag, name)
  try
    f();
    check(false, name, sprintf('no error, want one with "%s"', frag));
  catch err
    ok = strcmp(err.identifier, 'ipcf:invalid_argument') && ~isempty(strfind(err.message, frag));
    check(ok, name, sprintf('error %s "%s", want ipcf:invalid_argument with "%s"', err.identifier, err.message, frag));
  end
end

% Two channels data(t, y, x) of 128 frames, 9 x 10 pixels.
T = 128; H = 9; W = 10;
rand('seed', 7);
D1 = uint16(5 + floor(30 * rand(1, H, W)) + floor(16 * rand(T, H, W)));
D2 = uint16(5 + floor(30 * rand(1, H, W)) + floor(16 * rand(T, H, W)));

tmp = tempname();
mkdir(tmp);
cleanup = onCleanup(@() remove_tree(tmp));
tif = fullfile(tmp, 'hyper.tif');
write_hyperstack(tif, cat(4, D1, D2), sprintf(['ImageJ=1.54f\nimages=%d\nchannels=2\nframes=%d\n' ...
                                               'hyperstack=true\nmode=composite\nfinterval=0.01\n'], 2 * T, T));

% Channel 1 against channel 2: ipcf_pcf with Data2, bit for bit.
jobs = {
  'ACF (cross-channel)', {'Offsets', [0 0], 'Nbins', 8}
  'circle', {'Radius', 2, 'Points', 8, 'Nbins', 8}
  'offsets, multitau, delta', {'Offsets', [1 0; 0 0; 0 -1], 'Bins', 'multitau', 'M', 4, 'Delta', true}
};
for k = 1:size(jobs, 1)
  [name, opts] = jobs{k, :};
  want = ipcf_pcf(D1, opts{:}, 'Data2', D2);
  for engine = {'memory', 'ooc'}
    out = fullfile(tmp, sprintf('job%d_%s.npy', k, engine{1}));
    [~, sm] = ipcf_pcf_file(tif, out, 'Channel', 1, 'Channel2', 2, 'Engine', engine{1}, 'Tile', [3 4], ...
                            'Memory', '64MiB', opts{:});
    [got, meta] = ipcf_read_result(out);
    check(isequaln(got, want) && isequal(sm.shape, size(want)) && strcmp(sm.engine, engine{1}), ...
          sprintf('Channel 1, Channel2 2 (%s engine): %s, bitwise ipcf_pcf with Data2', engine{1}, name), ...
          sprintf('shape %s, %d values differ', mat2str(sm.shape), ...
                  nnz(~(got(:) == want(:) | (isnan(got(:)) & isnan(want(:)))))));
    check(isequal(meta.channel, 1) && isequal(meta.channel2, 2) && isequal(meta.channels, 2), ...
          sprintf('metadata channel 1, channel2 2 (%s engine): %s', engine{1}, name), ...
          sprintf('channel %s, channel2 %s, channels %s', mat2str(meta.channel), mat2str(meta.channel2), ...
                  mat2str(meta.channels)));
  end
end

% One channel: channel 2 alone is ipcf_pcf on it.
want = ipcf_pcf(D2, 'Radius', 2, 'Points', 8, 'Nbins', 8);
out = fullfile(tmp, 'c2.npy');
ipcf_pcf_file(tif, out, 'channel', 2, 'Radius', 2, 'Npoints', 8, 'Nbins', 8);
[got, meta] = ipcf_read_result(out);
check(isequaln(got, want), 'Channel 2 alone, bitwise ipcf_pcf on channel 2', 'differs');
check(isequal(meta.channel, 2) && isempty(meta.channel2) && isequal(meta.channels, 1), ...
      'metadata channel 2, no channel2', sprintf('channel %s, channel2 %s', mat2str(meta.channel), mat2str(meta.channel2)));
check(abs(meta.units.frame_interval_s - 0.01) < 1e-12, 'the hyperstack''s frame interval', ...
      mat2str(meta.units.frame_interval_s));

% Bad channels: errors naming the option, no output.
bad = fullfile(tmp, 'bad.npy');
expect_error(@() ipcf_pcf_file(tif, bad), 'ImageJ hyperstack with 2 channels: select one', 'error: no channel selected');
expect_error(@() ipcf_pcf_file(tif, bad, 'Channel', 3), 'channel 3: the input has 2 channels (1 to 2)', ...
             'error: Channel 3 of 2');
expect_error(@() ipcf_pcf_file(tif, bad, 'Channel', 1, 'Channel2', 4), 'the input has 2 channels', ...
             'error: Channel2 4 of 2');
expect_error(@() ipcf_pcf_file(tif, bad, 'Channel', 0), 'Channel', 'error: Channel 0');
expect_error(@() ipcf_pcf_file(tif, bad, 'Channel', 1, 'Channel2', 1.5), 'Channel2', 'error: Channel2 1.5');
expect_error(@() ipcf_pcf_file(tif, bad, 'Channel', -1), 'Channel', 'error: Channel -1');
expect_error(@() ipcf_pcf_file(tif, bad, 'Channel', 'one'), 'Channel', 'error: Channel as text');
check(~exist(bad, 'file'), 'no output after the errors', bad);

fprintf('%d checks passed\n', npass);
if ~isempty(failed)
  error('ipcf:test', 'test_channels: %d failed: %s', numel(failed), strjoin(failed, '; '));
end
fprintf('PASS: channels\n');
end

function write_hyperstack(path, data, desc)
% data(t, y, x, c) uint16, written as a little-endian ImageJ hyperstack.
[T, H, W, C] = size(data);
frame = H * W * 2;
le16 = @(v) typecast(uint16(v), 'uint8');
le32 = @(v) typecast(uint32(v), 'uint8');
% samples: x fastest, then y (rows), then channel, then time: image t*C + c
px = typecast(reshape(permute(data, [3 2 4 1]), 1, []), 'uint8');
b = [uint8('II'), le16(42), le32(0), px];
desc_at = numel(b);
d = [uint8(desc), uint8(0)];
b = [b, d];
if mod(numel(b), 2)
  b = [b, uint8(0)];
end
next_at = 4; % 0-based offset of the next-IFD field to patch
for p = 0:T * C - 1
  e = [256 4 1 W; 257 4 1 H; 258 3 1 16; 259 3 1 1; 262 3 1 1];
  if p == 0
    e = [e; 270 2 numel(d) desc_at];
  end
  e = [e; 273 4 1 8 + p * frame; 277 3 1 1; 278 4 1 H; 279 4 1 frame];
  b(next_at + 1:next_at + 4) = le32(numel(b));
  ifd = le16(size(e, 1));
  for k = 1:size(e, 1)
    if e(k, 2) == 3
      v = [le16(e(k, 4)), uint8([0 0])];
    else
      v = le32(e(k, 4));
    end
    ifd = [ifd, le16(e(k, 1)), le16(e(k, 2)), le32(e(k, 3)), v]; %#ok<AGROW>
  end
  b = [b, ifd];
  next_at = numel(b);
  b = [b, le32(0)];
end
fid = fopen(path, 'w');
fwrite(fid, b, 'uint8');
fclose(fid);
end

function remove_tree(folder)
if exist(folder, 'dir')
  if exist('OCTAVE_VERSION', 'builtin')
    old = confirm_recursive_rmdir(false);
    rmdir(folder, 's');
    confirm_recursive_rmdir(old);
  else
    rmdir(folder, 's');
  end
end
end
