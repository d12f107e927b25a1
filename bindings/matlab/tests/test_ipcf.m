function test_ipcf(conformance)
%TEST_IPCF Tests of the MATLAB/Octave binding. Prints PASS or errors.
%   octave-cli -q -H --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); test_ipcf('../shared/conformance')"
failures = 0;
function check(cond, msg)
  if ~cond
    failures = failures + 1;
    fprintf(2, 'FAIL: %s\n', msg);
  end
end
function expect_error(f, id, text)
  try
    f();
    check(false, sprintf('no error, want %s', id));
  catch err
    check(strcmp(err.identifier, id), sprintf('identifier %s, want %s (%s)', err.identifier, id, err.message));
    check(~isempty(strfind(err.message, text)), sprintf('message "%s" lacks "%s"', err.message, text));
  end
end

fprintf('ipcf %s\n', ipcf_version());
% The library's version is the header's (include/ipcf.h).
hdr = fileread(fullfile(fileparts(mfilename('fullpath')), '..', '..', '..', 'include', 'ipcf.h'));
ver = regexp(hdr, '#define IPCF_VERSION_(?:MAJOR|MINOR|PATCH) (\d+)', 'tokens');
ver = sprintf('%s.%s.%s', ver{1}{1}, ver{2}{1}, ver{3}{1});
check(strncmp(ipcf_version(), [ver ' '], numel(ver) + 1), sprintf('version %s, header %s', ipcf_version(), ver));

% Parameters and correlation (the tutorial's test vectors).
check(isequal(ipcf_circle(6, 4), [6 0; 0 6; -6 0; 0 -6]), 'circle');
b = ipcf_logbins(8192, 32);
check(numel(b) == 30 && b(1) == 1 && b(end) == 8192 && b(6) == 7, 'logbins');
check(isequal(ipcf_correlate([1 2], [3 4], 'same'), [4; 11]), 'correlate same 2');
check(isequal(ipcf_correlate(int16([1 2 3]), int16([4 8 16]), 'same'), [40; 68; 32]), 'correlate same int16');
check(isequal(ipcf_correlate([1 2 3 4], [5 6 7 8], 'same'), [23; 44; 70; 56]), 'correlate same 4');
c = ipcf_correlate([2 2 2 2], [1 3 1 3]);
check(numel(c) == 2 && all(abs(c) < 1e-15), 'correlate circular');

% Conformance cases.
cases = {
  'pcf_basic', 'pcf_basic', 4, 16, 16, 0, 'real'
  'pcf_truncate', 'pcf_truncate', 3, 8, 12, 0, 'real'
  'pcf_min', 'pcf_min', 2, 4, 8, 0, 'real'
  'pcf_zero_pixel', 'pcf_zero_pixel', 2, 8, 8, 0, 'real'
  'bleach', 'bleach', 3, 12, 16, 256, 'real'
  'bleach_floor_mean', 'bleach', 3, 12, 16, 256, 'floor'
};
for k = 1:size(cases, 1)
  [name, input, r, p, nb, f, mean] = cases{k, :};
  data = readnpy(fullfile(conformance, [input '.input.npy']));        % data(t, y, x)
  want = readnpy(fullfile(conformance, [name '.expected.npy']));      % want(y, x, point, bin)
  G = ipcf_pcf(data, 'Radius', r, 'Points', p, 'Bins', nb, 'Bleach', f, 'BleachMean', mean);
  check(isequal(size(G), size(want)), sprintf('%s: size', name));
  same_nan = isequal(isnan(G), isnan(want));
  err = max(abs(double(G(~isnan(G))) - double(want(~isnan(want)))));
  check(same_nan && err <= 1e-6, sprintf('%s: max abs error %g', name, err));
  fprintf('conformance %-18s max abs error %.2g\n', name, err);
  if f > 0
    corrected = ipcf_correct_bleaching(data, 'FilterSize', f, 'Mean', mean);
    check(isequal(corrected, readnpy(fullfile(conformance, [name '.expected_corrected.npy']))), ...
          sprintf('%s: corrected stack', name));
    % 'BleachMean', ipcf_pcf's name of the option, is the same (FRONT16's m4: unknown)
    check(isequal(ipcf_correct_bleaching(data, 'FilterSize', f, 'BleachMean', mean), corrected), ...
          sprintf('%s: corrected stack with BleachMean', name));
  end
end
data = readnpy(fullfile(conformance, 'bleach_clip.input.npy'));
check(isequal(ipcf_correct_bleaching(data, 'FilterSize', 50), readnpy(fullfile(conformance, 'bleach_clip.expected.npy'))), ...
      'bleach_clip');

% Layouts: the same stack as data(x, y, t) (C order of numpy's (t, y, x)), and in other classes.
data = readnpy(fullfile(conformance, 'pcf_basic.input.npy'));
G = ipcf_pcf(data, 'Radius', 4, 'Points', 16, 'Bins', 16);
check(isequal(ipcf_pcf(permute(data, [3 2 1]), 'Radius', 4, 'Points', 16, 'Bins', 16, 'Layout', 'xyt'), G), ...
      'xyt layout (C order) differs from tyx (Fortran order)');
% Data that are not counts in 0..65535 are corrected as defined, with the
% warning ipcf:counts naming the first such sample (ipcf_check_counts);
% counts, and single data holding whole counts, raise none.
small = data(1:200, 1:8, 1:8);
fr = single(small) / 100;
fr(1, 1, 1) = 1;                                      % a count first: the sample named is the next one
lastwarn('', '');
ipcf_correct_bleaching(fr, 'FilterSize', 20);
[msg, id] = lastwarn();
check(strcmp(id, 'ipcf:counts') && ~isempty(strfind(msg, 'not counts in 0..65535')) && ...
      ~isempty(strfind(msg, 'at frame 0, pixel (row 0, column 1)')), sprintf('counts warning: "%s" "%s"', id, msg));
lastwarn('', '');
ipcf_pcf(fr, 'Radius', 2, 'Points', 4, 'Bins', 6, 'Bleach', 20);
[msg, id] = lastwarn();
check(strcmp(id, 'ipcf:counts'), sprintf('pcf with Bleach: counts warning "%s" "%s"', id, msg));
lastwarn('', '');
ipcf_pcf(fr, 'Radius', 2, 'Points', 4, 'Bins', 6);
[msg, id] = lastwarn();
check(isempty(id), sprintf('pcf without Bleach warned "%s" "%s"', id, msg));
ipcf_correct_bleaching(small, 'FilterSize', 20);
ipcf_correct_bleaching(single(small), 'FilterSize', 20);
[msg, id] = lastwarn();
check(isempty(id), sprintf('counts warned "%s" "%s"', id, msg));
% every series is scaled by a power of two before the float32 FFTs, integer ones
% too (core/pcf): the same values give bitwise the same curves whatever their class
close_to = @(A, B) isequaln(A, B);
check(close_to(ipcf_pcf(double(data), 'radius', 4, 'POINTS', 16, 'Bins', 16), G), 'double input');
check(close_to(ipcf_pcf(single(data), 'Radius', 4, 'Points', 16, 'Bins', 16, 'Threads', 1), G), 'single input');
check(isequal(ipcf_pcf(int32(data), 'Radius', 4, 'Points', 16, 'Bins', 16), G), 'int32 input');
mask = true(size(data, 2), size(data, 3));
mask(1:10, :) = false;
Gm = ipcf_pcf(data, 'Radius', 4, 'Points', 16, 'Bins', 16, 'Mask', mask);
check(all(isnan(reshape(Gm(1:6, :, :, :), [], 1))) && isequal(Gm(7:end, :, :, :), G(7:end, :, :, :)), 'mask');

% Bad inputs raise errors with identifiers ipcf:<status>.
expect_error(@() ipcf_pcf(complex(double(data))), 'ipcf:unsupported_layout', 'not supported');
expect_error(@() ipcf_pcf({1, 2}), 'ipcf:unsupported_layout', 'not supported');
expect_error(@() ipcf_pcf(data(:, :, 1)), 'ipcf:invalid_argument', 'too large for a 32x1 image');   % one column (T x H x 1)
expect_error(@() ipcf_pcf(repmat(data, [1 1 1 2])), 'ipcf:invalid_argument', 'want 3');
expect_error(@() ipcf_pcf(data, 'Radius', 20), 'ipcf:invalid_argument', 'radius=20 too large');
expect_error(@() ipcf_pcf(data, 'Bins', 1), 'ipcf:invalid_argument', 'Bins=1');
expect_error(@() ipcf_pcf(data, 'Points', 0), 'ipcf:invalid_argument', 'Points=0');
expect_error(@() ipcf_pcf(data(1:3, :, :)), 'ipcf:invalid_argument', 'want >= 4');
expect_error(@() ipcf_pcf(data, 'Mask', true(3, 3)), 'ipcf:invalid_argument', 'mask shape');
expect_error(@() ipcf_pcf(data, 'Colour', 3), 'ipcf:invalid_argument', 'unknown option');
expect_error(@() ipcf_pcf(data, 'Layout', 'ytx'), 'ipcf:invalid_argument', 'want ''tyx'', ''xyt'' or ''yxt''');
expect_error(@() ipcf_correct_bleaching(data, 'FilterSize', 5000), 'ipcf:invalid_argument', 'FilterSize=5000');
expect_error(@() ipcf_correlate([1 2], [1 2 3]), 'ipcf:invalid_argument', 'equal lengths');
expect_error(@() ipcf_circle(0, 4), 'ipcf:invalid_argument', 'radius=0');
expect_error(@() ipcf_logbins(100, 1), 'ipcf:invalid_argument', 'nbins=1');
expect_error(@() ipcf_pcf(data, 'Device', 'gpu'), 'ipcf:invalid_argument', 'Device');
check(isequal(ipcf_pcf(data, 'Radius', 4, 'Points', 16, 'Bins', 16, 'Device', 'cpu'), G), 'device cpu');
try
  ipcf_pcf(data, 'Radius', 4, 'Points', 16, 'Bins', 16, 'Device', 'cuda');
catch err
  % without a usable GPU: the reason, with the identifier ipcf:no_device
  check(strcmp(err.identifier, 'ipcf:no_device'), sprintf('device cuda: %s', err.identifier));
end

if failures > 0
  error('test_ipcf:failed', '%d checks failed', failures);
end
fprintf('PASS\n');
end
