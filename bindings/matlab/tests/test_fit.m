function test_fit(cli)
%TEST_FIT Tests of IPCF_FIT and IPCF_PCF_ERRORS (issue 14) in MATLAB/Octave.
%   TEST_FIT() checks that
%     - noise-free curves of every model, written here from the formulas
%       of core/fit, give back their parameters to 1e-6 (a relative error;
%       Ginf relative to G0), with the same bits whatever the threads and
%       whichever shape the curves come in (3-D ACF, 4-D, a matrix, a
%       vector);
%     - the names, units and unit factors, the pixel-size and waist
%       options, NaN curves and the error bars' weights;
%     - IPCF_FIT equals the maps of the CLI, bit for bit: results of
%       `ipcf pcf` (written by the CLI from a series it simulated), fitted
%       by `ipcf fit` and by IPCF_FIT on IPCF_READ's array and metadata,
%       and on IPCF_PCF's curves of the same series with its INFO;
%     - IPCF_PCF_ERRORS: the shape of IPCF_PCF's result, the same bits in
%       every layout and thread count, NaN where the curves are NaN, the
%       ACF and the delta-CCF, 'Segments'; the CLI's error bars (`ipcf pcf
%       --errors`) and its fits weighted by them, bit for bit;
%     - bad input raises ipcf:<status> errors naming the argument;
%     - Ctrl+C cancels both (tests/interrupt_fit.sh, run from here).
%   CLI is the ipcf command (default: $IPCF_CLI, else build/bin/ipcf of
%   this checkout: `go build -o build/bin/ipcf ./cmd/ipcf`). Prints one
%   PASS or FAIL line per check and raises an error if a check fails.
%   Writes only into a temporary folder, which it removes.
%     octave-cli -q -H --eval "addpath('bindings/matlab'); addpath('bindings/matlab/tests'); test_fit()"
here = fileparts(mfilename('fullpath'));
root = fullfile(here, '..', '..', '..');
if nargin < 1 || isempty(cli)
  cli = getenv('IPCF_CLI');
  if isempty(cli)
    cli = fullfile(root, 'build', 'bin', 'ipcf');
  end
end
if ~exist(cli, 'file')
  error('test_fit:setup', '%s not found: build the CLI (go build -o build/bin/ipcf ./cmd/ipcf) or set IPCF_CLI', cli);
end
tmp = tempname();
mkdir(tmp);
cleanup = onCleanup(@() remove_tree(tmp));
failed = {};
npass = 0;
bits = @(a) typecast(reshape(a, [], 1), 'uint32');   % the float32 bits
IA = 'ipcf:invalid_argument';
UL = 'ipcf:unsupported_layout';

  function check(ok, name, detail)
    if nargin < 3
      detail = '';
    end
    if ok
      npass = npass + 1;
      fprintf('PASS %s\n', name);
    else
      failed{end + 1} = name;
      fprintf('FAIL %s: %s\n', name, detail);
    end
  end
  function expect_error(f, id, frag, name)
    try
      f();
      check(false, name, sprintf('no error, want %s with "%s"', id, frag));
    catch e_err
      check(strcmp(e_err.identifier, id) && ~isempty(strfind(e_err.message, frag)), name, ...
            sprintf('error %s "%s", want %s with "%s"', e_err.identifier, e_err.message, id, frag));
    end
  end
  function run_cli(args, name)
    [r_st, r_out] = system(sprintf('"%s" %s 2>&1', cli, args));
    if r_st ~= 0
      check(false, name, sprintf('ipcf %s: exit %d: %s', args, r_st, r_out));
      error('test_fit:cli', 'ipcf %s failed', args);
    end
  end

  function compare_cli(m, mi, file, label)
    % m, mi: ipcf_fit's MAPS and INFO; file: the MAPS.npy of ipcf fit.
    [cM, cmeta] = ipcf_read(file);
    % the maps and their META are no curves (maps of the curves' shape were fitted)
    expect_error(@() ipcf_fit(cM, 'Info', cmeta), 'ipcf:invalid_argument', 'Info is the META of ipcf fit''s maps (parameters, not curves)', ...
                 [label ': maps refused as curves']);
    cbase = file(1:end - 4);
    cS = ipcf_read([cbase '.stderr.npy']);
    cC = ipcf_read([cbase '.chisq.npy']);
    cT = ipcf_read([cbase '.status.npy']);
    cnames = mi.names;
    cpar = cmeta.parameters;
    if ~iscell(cpar)
      cpar = num2cell(cpar);   % a struct array, or a cell of structs with different fields (derived ones)
    end
    check(isequal(cnames(:), cellfun(@(c) c.name, cpar(:), 'UniformOutput', false)) && ...
          isequal(cellfun(@(n) mi.units.(n), cnames(:), 'UniformOutput', false), ...
                  cellfun(@(c) c.unit, cpar(:), 'UniformOutput', false)), ...
          [label ': names and units'], strjoin(cnames, ','));
    cnp = numel(cnames);
    cM = reshape(cM, [], cnp);
    cS = reshape(cS, [], cnp);
    csame = isa(cM, 'single') && size(cM, 1) == numel(m.chisq);
    for jj = 1:cnp
      csame = csame && isequal(bits(cM(:, jj)), bits(m.(cnames{jj}))) && isequal(bits(cS(:, jj)), bits(m.stderr.(cnames{jj})));
    end
    check(csame, [label ': the maps and standard errors, bit for bit']);
    check(isequal(bits(cC), bits(m.chisq)) && isa(cT, 'uint8') && isequal(cT(:), m.status(:)) && ...
          isequal(size(cC), size(m.chisq)), [label ': chi-square and status, bit for bit'], ...
          sprintf('chisq %s vs %s', mat2str(size(cC)), mat2str(size(m.chisq))));
    csc = cmeta.status_counts;
    check(csc.converged == mi.counts.converged && csc.atBound == mi.counts.at_bound && ...
          csc.maxIterations == mi.counts.max_iterations && csc.failed == mi.counts.failed, [label ': status counts']);
  end

W0 = 2;
% multi-tau-like delays in frames: 0..7, then steps doubling every 4 points
TAU = 0:7;
step = 2;
while numel(TAU) < 33
  TAU(end + 1) = TAU(end) + step; %#ok<AGROW>
  if mod(numel(TAU), 4) == 0
    step = step * 2;
  end
end
TAU = TAU(:);
RING4 = [4 0; 0 4; -4 0; 0 -4];
STAR = [4 0; 3 3; 0 4; -3 3; -4 0; -3 -3; 0 -4; 3 -3];
PLUS2 = [0 0; 2 0; 0 2; -2 0; 0 -2];

%% 1. Noise-free recovery of every model, to 1e-6.
cases = {
  'pcf1d', RING4, {}
  'pcf1d', [4 0; 0 3; -3 3], {'Joint', true}
  'acf2d', [], {}
  'acf2d', [], {'Flow', true, 'Ginf', true}
  'acf3d', [], {'Ginf', true, 'Kappa', 5}
  'ccf2d', STAR, {}
  'ccf2d', STAR, {'Delta', true}
  'itir', PLUS2, {'Ginf', true}
  'itir', PLUS2, {'Flow', true, 'Joint', true, 'PixelSide', 0.8}
};
H = 2;
W = 3;
for c = 1:size(cases, 1)
  [name, uv, opts] = cases{c, :};
  o = struct('Flow', false, 'Ginf', false, 'Delta', false, 'Joint', false, 'Kappa', [], 'PixelSide', 1);
  for k = 1:2:numel(opts)
    o.(opts{k}) = opts{k + 1};
  end
  offs = uv;
  if isempty(offs)
    offs = [0 0];
  end
  K = size(offs, 1);
  G = zeros(H, W, K, numel(TAU), 'single');
  want = cell(H, W);
  for i = 0:H * W - 1
    y = floor(i / W) + 1;
    x = mod(i, W) + 1;
    p = truth(i, name, o.Flow, o.Ginf);
    want{y, x} = p;
    G(y, x, :, :) = reshape(single(model(name, p, offs, TAU, o.Flow, o.Ginf, o.Delta, o.Kappa, o.PixelSide, W0)), ...
                            1, 1, K, []);
  end
  label = strtrim(sprintf('recovery %s %s', name, strjoin(cellfun(@num2str, opts(1:2:end), 'UniformOutput', false), '+')));
  if isempty(uv)
    G = reshape(G, H, W, []);   % as ipcf_acf returns it
    args = [{'Delays', TAU, 'Model', name, 'Waist', W0}, opts];
  else
    args = [{'Delays', TAU, 'Offsets', uv, 'Model', name, 'Waist', W0}, opts];
  end
  [m, info] = ipcf_fit(G, args{:});
  np = numel(want{1, 1});
  check(strcmp(info.names{np + 1}, 'tauD'), [label ': tauD follows the parameters'], strjoin(info.names, ','));
  check(all(m.status(:) <= 1), [label ': converged'], sprintf('statuses %s', mat2str(m.status(:)')));
  check(all(m.chisq(:) < 1e-12), [label ': chi-square ~ 0'], sprintf('max %g', max(m.chisq(:))));
  worst = 0;
  for y = 1:H
    for x = 1:W
      p = want{y, x};
      for j = 1:np
        got = double(m.(info.names{j})(y, x, :));
        scale = abs(p(j));
        if o.Ginf && j == np
          scale = p(1);
        end
        worst = max(worst, max(abs(got - p(j))) / scale);
      end
      tauD = W0 ^ 2 / (4 * p(2));
      worst = max(worst, max(abs(double(m.tauD(y, x, :)) - tauD)) / tauD / 2);
    end
  end
  check(worst <= 1e-6, sprintf('%s: parameters within 1e-6 (worst relative error %.2g)', label, worst), ...
        sprintf('worst relative error %g', worst));
  joint = o.Joint || strcmp(name, 'ccf2d') || isempty(uv);
  if joint
    shape = [H W];
  else
    shape = [H W K];
  end
  check(isequal(size(m.D), shape) && isequal(size(m.chisq), shape) && isa(m.status, 'uint8') && ...
        isa(m.D, 'single') && isequal(size(m.stderr.D), shape), [label ': map shapes and classes'], ...
        sprintf('D %s, want %s', mat2str(size(m.D)), mat2str(shape)));
  m1 = ipcf_fit(G, args{:}, 'Threads', 1);
  check(same_maps(m1, m), [label ': the same bits with one thread']);
end

% The shapes of the curves: ACF (H, W, P) = (H, W, 1, P); a matrix of curves; a vector.
p = truth(1, 'acf2d', false, false);
g = single(model('acf2d', p, [0 0], TAU, false, false, false, [], 1, W0));
G3 = repmat(reshape(g, 1, 1, []), [3 2 1]);
m3 = ipcf_fit(G3, 'Delays', TAU, 'Model', 'acf2d');
m4 = ipcf_fit(reshape(G3, 3, 2, 1, []), 'Delays', TAU, 'Model', 'acf2d');
check(same_maps(m3, m4) && isequal(size(m3.D), [3 2]), 'ACF curves (H, W, P) and (H, W, 1, P) fit alike');
% without a waist or pixel size: the header's IPCF_FIT_DEFAULT_WAIST, as reported
[~, dinfo] = ipcf_fit(G3, 'Delays', TAU, 'Model', 'acf2d');
hdr = fileread(fullfile(fileparts(mfilename('fullpath')), '..', '..', '..', 'include', 'ipcf.h'));
dw = str2double(regexp(hdr, '#define IPCF_FIT_DEFAULT_WAIST ([0-9.]+)', 'tokens', 'once'));
check(dinfo.waist == dw, sprintf('default waist %g, ipcf.h IPCF_FIT_DEFAULT_WAIST %g', dinfo.waist, dw));
mm = ipcf_fit(repmat(g, 4, 1), 'Delays', TAU, 'Model', 'acf2d');
mv = ipcf_fit(g, 'Delays', TAU', 'Model', 'acf2d');
mc = ipcf_fit(g', 'Delays', TAU, 'Model', 'acf2d');
check(isequal(size(mm.D), [4 1]) && all(mm.D == m3.D(1)) && same_maps(mv, mc) && mv.D == m3.D(1) && ...
      abs(mv.D - p(2)) <= 1e-6 * p(2), 'a matrix of curves (curve, point) and a vector');
g5 = repmat(reshape(single(model('pcf1d', p, PLUS2, TAU, false, false, false, [], 1, W0)), 1, 1, 5, []), [2 2 1 1]);
ma = ipcf_fit(g5, 'Delays', TAU, 'Offsets', PLUS2, 'Model', 'acf2d');
mb = ipcf_fit(g5(:, :, 1, :), 'Delays', TAU, 'Model', 'acf2d');
check(same_maps(ma, mb), 'acf2d fits the curve at [0 0] among several offsets (no copy)');

%% 2. Names, units and unit factors.
p = truth(0, 'ccf2d', false, false);
G = repmat(reshape(single(model('ccf2d', p, STAR, TAU, false, false, false, [], 1, W0)), 1, 1, 8, []), [2 2 1 1]);
[r, ri] = ipcf_fit(G, 'Delays', TAU, 'Offsets', STAR, 'Model', 'ccf2d');
check(isequal(ri.names, {'G0', 'D', 'vx', 'vy', 'tauD', 'speed', 'angle'}), 'ccf2d names', strjoin(ri.names, ','));
check(isequal(ri.units, struct('G0', '1', 'D', 'px^2/frame', 'vx', 'px/frame', 'vy', 'px/frame', 'tauD', 'frame', ...
                               'speed', 'px/frame', 'angle', 'deg')), 'units in pixels and frames');
check(isequal(fieldnames(r)', [ri.names {'stderr', 'chisq', 'status', 'status_names'}]) && ...
      isequal(fieldnames(r.stderr)', ri.names) && isequal(r.status_names, ri.status_names) && ...
      isequal(r.status_names, {'converged', 'at bound', 'max iterations', 'failed'}), 'the fields of MAPS');
check(isequal(ri.counts, struct('converged', 4, 'at_bound', 0, 'max_iterations', 0, 'failed', 0)) && ri.joint && ...
      isequal(ri.offsets, STAR) && isequal(ri.delays, TAU) && ri.waist == 2, 'INFO: counts, joint, offsets, delays');
check(abs(r.speed(1) - hypot(p(3), p(4))) < 1e-6 && abs(r.angle(1) - atan2(p(4), p(3)) * 180 / pi) < 1e-4, ...
      'speed and angle');
ps = 0.16;
fi = 0.002;
[ru, rui] = ipcf_fit(G, 'Delays', TAU, 'Offsets', STAR, 'Model', 'ccf2d', 'PixelSize', ps, 'FrameInterval', fi, ...
                     'Waist', W0);
check(strcmp(rui.units.D, 'um^2/s') && strcmp(rui.units.speed, 'um/s') && strcmp(rui.units.tauD, 's') && ...
      rui.waist_um == W0 * ps, 'units in micrometres and seconds');
rel = @(a, b) max(abs(double(a(:)) - double(b(:))) ./ abs(double(b(:))));
check(rel(ru.D, r.D * (ps * ps / fi)) < 1e-6 && rel(ru.vx, r.vx * (ps / fi)) < 1e-6 && ...
      rel(ru.tauD, r.tauD * fi) < 1e-6 && isequal(ru.angle, r.angle), 'the units only scale the maps');
rw = ipcf_fit(G, 'Delays', TAU, 'Offsets', STAR, 'Model', 'ccf2d', 'pixel_size', 0.5, 'WaistUm', 1);
rw2 = ipcf_fit(G, 'Delays', TAU, 'Offsets', STAR, 'Model', 'ccf2d', 'pixel_size', 0.5, 'Waist', 2);
check(same_maps(rw, rw2), 'WaistUm is the waist in micrometres');
uv = [4 0; 1 0; 0 6];
p = truth(2, 'pcf1d', false, false);
g = reshape(single(model('pcf1d', p, uv, TAU, false, false, false, [], 1, W0)), 1, 1, 3, []);
[r, ri] = ipcf_fit(g, 'Delays', TAU, 'Offsets', uv);
ok = isequal(ri.names, {'DC', 'D', 'tauD', 'tau_peak'}) && isequal(size(r.D), [1 1 3]);
for k = 1:3
  ok = ok && abs(r.tau_peak(1, 1, k) - max(sum(uv(k, :) .^ 2) - 4, 0) / (4 * p(2))) < 1e-5;
end
check(ok, 'pcf1d per offset: the offset axis and tau_peak at each distance');
[~, rj] = ipcf_fit(g, 'Delays', TAU, 'Offsets', uv, 'Joint', true);
check(isequal(rj.names, {'DC', 'D', 'tauD'}), 'pcf1d joint over several distances: no tau_peak');
% INFO of ipcf_pcf: the delays, the offsets and the units of the curves
data = uint16(mod(reshape(1:256 * 10 * 10, 256, 10, 10) * 7919, 101) + 20);
[Gp, info] = ipcf_pcf(data, 'Offsets', [0 0; 2 0; 0 2], 'Bins', 'multitau', 'M', 8, 'Smooth', 0, ...
                      'FrameInterval', 0.01, 'PixelSize', 0.2);
p = truth(1, 'pcf1d', false, false);
gm = reshape(single(multitau_model('pcf1d', p, info.offsets, info.delays, 8, W0)), 1, 1, 3, []);
gm = repmat(gm, [size(Gp, 1) size(Gp, 2) 1 1]);
[r, ri] = ipcf_fit(gm, 'Info', info, 'Waist', W0);
check(strcmp(ri.units.D, 'um^2/s') && rel(r.D, repmat(p(2) * 0.2 ^ 2 / 0.01, size(r.D))) < 1e-6 && ...
      isequal(ri.rows, info.rows) && isequal(ri.columns, info.columns) && isequal(ri.offsets, info.offsets), ...
      'Info of ipcf_pcf gives the delays, offsets and units');
r2 = ipcf_fit(gm, 'Info', info, 'Delays', info.delays, 'Offsets', info.offsets, 'Waist', W0, 'FrameInterval', 0.01, ...
              'PixelSize', 0.2);
check(same_maps(r, r2), 'Info equals the same delays, offsets and units given');
% multi-tau points are correlations of block sums: fitted at their lags alone (no Info), D is biased
rb = ipcf_fit(gm, 'Delays', info.delays, 'Offsets', info.offsets, 'Waist', W0, 'FrameInterval', 0.01, 'PixelSize', 0.2);
check(rel(rb.D, repmat(p(2) * 0.2 ^ 2 / 0.01, size(rb.D))) > 1e-3, 'multi-tau points at their lags alone: D biased');
r3 = ipcf_fit(gm, 'Info', info, 'Waist', W0, 'FrameInterval', 0, 'PixelSize', 0);
check(rel(r3.D, repmat(p(2), size(r3.D))) < 1e-6, 'options override Info (per frame, in pixels)');
% the delays in seconds given as 'Delays' with Info's frame interval: D was 100 times too large
expect_error(@() ipcf_fit(gm, 'Info', info, 'Waist', W0, 'Delays', info.delays * 0.01), 'ipcf:invalid_argument', ...
             '''Delays'' are the curves'' delays in seconds', 'Delays in seconds with Info''s frame interval');
r4 = ipcf_fit(gm, 'Info', info, 'Waist', W0, 'Delays', info.delays);
check(same_maps(r, r4), 'Info with its own delays in frames given again');
[~, ia] = ipcf_acf(data, 'Bins', 'multitau', 'M', 8, 'Smooth', 0);
ga = repmat(reshape(single(multitau_model('acf2d', p, [0 0], ia.delays, 8, W0)), 1, 1, []), [10 10 1]);
ra = ipcf_fit(ga, 'Info', ia, 'Model', 'acf2d');
check(isequal(size(ra.D), [10 10]) && rel(ra.D, repmat(p(2), 10, 10)) < 1e-6, 'Info of ipcf_acf');
% curves smoothed (the default 0.7): the fit warns (ipcf:smoothed) and says so in its INFO; unsmoothed: neither
[~, is] = ipcf_acf(data, 'Bins', 'multitau', 'M', 8);
lastwarn('');
[~, fs] = ipcf_fit(ga, 'Info', is, 'Model', 'acf2d');
[msg, id] = lastwarn();
[~, fu] = ipcf_fit(ga, 'Info', ia, 'Model', 'acf2d');
check(is.smooth == 0.7 && ia.smooth == 0 && strcmp(id, 'ipcf:smoothed') && ~isempty(strfind(msg, 'smoothed (smooth 0.7)')) && ...
      numel(fs.warnings) == 1 && isempty(fu.warnings), 'smoothed curves: warning ipcf:smoothed and INFO.warnings', ...
      sprintf('%s %s %d %d', id, msg, numel(fs.warnings), numel(fu.warnings)));

% ccf2d of an image's curves whose offsets lie on one axis: the velocity across it is held at 0,
% said (ipcf:held_velocity, INFO.warnings); offsets in two directions, and a line scan's curves, not
XAX = [4 0; -4 0; 8 0];
p = truth(0, 'ccf2d', false, false);
p(4) = 0;
gx = repmat(reshape(single(model('ccf2d', p, XAX, TAU, false, false, false, [], 1, W0)), 1, 1, 3, []), [3 3 1 1]);
lastwarn('');
[~, hx] = ipcf_fit(gx, 'Delays', TAU, 'Offsets', XAX, 'Model', 'ccf2d');
[msg, id] = lastwarn();
[~, hy] = ipcf_fit(gx, 'Delays', TAU, 'Offsets', fliplr(XAX), 'Model', 'ccf2d');
[msgy, idy] = lastwarn();
lastwarn('');
[~, hs] = ipcf_fit(G, 'Delays', TAU, 'Offsets', STAR, 'Model', 'ccf2d');
[~, hl] = ipcf_fit(gx(1, :, :, :), 'Delays', TAU, 'Offsets', XAX, 'Model', 'ccf2d');
[~, h2] = ipcf_fit(gx(1:2, :, :, :), 'Delays', TAU, 'Offsets', XAX, 'Model', 'ccf2d');   % (2 rows: none across, REVIEW24's m2)
[~, id0] = lastwarn();
check(strcmp(id, 'ipcf:held_velocity') && ~isempty(strfind(msg, 'held at 0')) && numel(hx.warnings) == 1 && ...
      strcmp(idy, 'ipcf:held_velocity') && numel(hy.warnings) == 1 && isempty(hs.warnings) && isempty(hl.warnings) && isempty(h2.warnings) && ...
      isempty(id0), 'ccf2d on one axis of an image: warning ipcf:held_velocity and INFO.warnings; two directions, a line: none', ...
      sprintf('%s %s | %s | %d %d %d %d | %s', id, msg, idy, numel(hx.warnings), numel(hy.warnings), numel(hs.warnings), ...
              numel(hl.warnings), id0));

%% 3. NaN curves and error bars.
uv = [4 0; 0 4];
p = truth(0, 'pcf1d', false, false);
g = repmat(reshape(single(model('pcf1d', p, uv, TAU, false, false, false, [], 1, W0)), 1, 1, 2, []), [2 2 1 1]);
g(2, 1, 2, 6) = NaN;
sigma = 1e-3 * ones(size(g), 'single');
sigma(1, 2, 1, 4) = 0;
[r, ri] = ipcf_fit(g, 'Delays', TAU, 'Offsets', uv);
check(r.status(2, 1, 2) == 3 && isnan(r.D(2, 1, 2)) && isnan(r.DC(2, 1, 2)) && isnan(r.chisq(2, 1, 2)) && ...
      isequal(ri.counts, struct('converged', 7, 'at_bound', 0, 'max_iterations', 0, 'failed', 1)), ...
      'a curve holding NaN fails: status 3, NaN parameters');
[rs, rsi] = ipcf_fit(g, 'Delays', TAU, 'Offsets', uv, 'Sigma', sigma);
good = rs.status <= 1;
check(rs.status(1, 2, 1) == 3 && rs.status(2, 1, 2) == 3 && rsi.counts.failed == 2 && ...
      rel(rs.D(good), repmat(p(2), nnz(good), 1)) < 1e-6, 'weighted fits; a zero error bar fails its curve');
check(all(rs.stderr.D(good) ~= r.stderr.D(good)), 'weighted standard errors are not rescaled by chi-square');
gs = g(:, :, 1, :);
ss = sigma(:, :, 1, :);
check(same_maps(ipcf_fit(reshape(gs, 2, 2, []), 'Delays', TAU, 'Model', 'acf2d', 'Sigma', ss), ...
                ipcf_fit(gs, 'Delays', TAU, 'Model', 'acf2d', 'Sigma', ss)), ...
      'Sigma (H, W, 1, P) of ipcf_pcf_errors with ACF curves (H, W, P)');

%% 4. The CLI's maps, bit for bit.
src = fullfile(tmp, 'data.npy');
run_cli(sprintf('simulate -o "%s" --frames 2048 --size 20 --seed 5 --particles 60 --diffusion 0.2 --channel-width 0 --quiet', ...
                src), 'cli simulate');
common = '--bins multitau --m 16 --smooth 0 --quiet';
results = struct();
results.plain = fullfile(tmp, 'plain.npy');
results.calibrated = fullfile(tmp, 'cal.npy');
results.delta = fullfile(tmp, 'delta.npy');
offs = struct('plain', [0 0; RING4], 'calibrated', PLUS2, 'delta', STAR);
extra = struct('plain', '', 'calibrated', '--frame-interval 0.005 --pixel-size 0.12', 'delta', '--delta');
for wc = {'plain', 'calibrated', 'delta'}
  w = wc{1};
  uvw = offs.(w);
  spec = strjoin(arrayfun(@(k) sprintf('%d,%d', uvw(k, 1), uvw(k, 2)), 1:size(uvw, 1), 'UniformOutput', false), ';');
  run_cli(sprintf('pcf "%s" -o "%s" --offsets "%s" %s %s', src, results.(w), spec, common, extra.(w)), ['cli pcf ' w]);
end
cli_cases = {
  'plain', 'pcf1d', '', {}
  'plain', 'pcf1d', '--joint', {'Joint', true}
  'plain', 'acf2d', '--ginf', {'Ginf', true}
  'plain', 'acf3d', '--kappa 4 --flow', {'Kappa', 4, 'Flow', true}
  'calibrated', 'acf2d', '--waist 2.5 --ginf', {'Waist', 2.5, 'Ginf', true}
  'calibrated', 'itir', '--waist-um 0.3 --flow --joint', {'WaistUm', 0.3, 'Flow', true, 'Joint', true}
  'calibrated', 'pcf1d', '--waist 2 --pixel-size 0.2 --frame-interval 0.01', {'Waist', 2, 'PixelSize', 0.2, 'FrameInterval', 0.01}
  'delta', 'ccf2d', '', {}
};
simdata = ipcf_read(src);   % (t, y, x): free diffusion, D = 0.2 px^2/frame
for c = 1:size(cli_cases, 1)
  [w, name, flags, opts] = cli_cases{c, :};
  label = strtrim(sprintf('cli %s %s %s', w, name, flags));
  out = fullfile(tmp, sprintf('maps%d.npy', c));
  run_cli(sprintf('fit "%s" -o "%s" --model %s --quiet %s', results.(w), out, name, flags), label);
  [G, meta] = ipcf_read(results.(w));
  [m, mi] = ipcf_fit(G, 'Info', meta, 'Model', name, opts{:});
  compare_cli(m, mi, out, label);
  if c == 1 || strcmp(w, 'delta') || strcmp(name, 'itir')
    % the same series through ipcf_pcf: the same curves, so the same maps
    args = {'Offsets', offs.(w), 'Bins', 'multitau', 'M', 16, 'Smooth', 0, 'Delta', strcmp(w, 'delta')};
    if strcmp(w, 'calibrated')
      args = [args {'FrameInterval', 0.005, 'PixelSize', 0.12}]; %#ok<AGROW>
    end
    [Gm, im] = ipcf_pcf(simdata, args{:});
    check(isequal(typecast(Gm(:), 'uint32'), typecast(G(:), 'uint32')), [label ': ipcf_pcf gives the CLI''s curves']);
    [m2, mi2] = ipcf_fit(Gm, 'Info', im, 'Model', name, opts{:});
    compare_cli(m2, mi2, out, [label ' (ipcf_pcf with its INFO)']);
  end
end

%% 5. Error bars: ipcf_pcf's shape, every layout alike.
data = uint16(mod(reshape(1:512 * 11 * 12, 512, 11, 12) * 7919, 101) + 20);
data(:, 5, 6) = 0;   % a series summing to zero: NaN curves
small = {'Radius', 2, 'Points', 8, 'Bins', 'multitau', 'M', 8, 'Smooth', 0};
[G, gi] = ipcf_pcf(data, small{:});
[sd, si] = ipcf_pcf_errors(data, small{:});
check(isa(sd, 'single') && isequal(size(sd), size(G)) && isequal(si, gi), 'error bars: the shape and INFO of ipcf_pcf', ...
      sprintf('%s vs %s', mat2str(size(sd)), mat2str(size(G))));
check(isequal(isnan(sd), isnan(G)) && any(isnan(sd(:))) && all(sd(~isnan(sd)) > 0), ...
      'error bars: NaN where the curves are, positive elsewhere');
for method = {'blocking', 'segments'}
  e = {'Method', method{1}};
  s0 = ipcf_pcf_errors(data, small{:}, e{:});
  sx = ipcf_pcf_errors(permute(data, [3 2 1]), small{:}, e{:}, 'Layout', 'xyt');
  sy = ipcf_pcf_errors(permute(data, [2 3 1]), small{:}, e{:}, 'Layout', 'yxt');
  s1 = ipcf_pcf_errors(data, small{:}, e{:}, 'Threads', 1);
  check(isequal(bits(s0), bits(sx)) && isequal(bits(s0), bits(sy)) && isequal(size(sx), size(s0)), ...
        ['error bars ' method{1} ': layouts tyx, xyt, yxt give the same bits']);
  check(isequal(bits(s0), bits(s1)), ['error bars ' method{1} ': the same bits with one thread']);
end
check(isequal(bits(sd), bits(ipcf_pcf_errors(data, small{:}, 'Segments', 3))), 'blocking does not use Segments');
s8 = ipcf_pcf_errors(data, small{:}, 'Method', 'segments');
s16 = ipcf_pcf_errors(data, small{:}, 'Method', 'segments', 'Segments', 16);
check(isequal(bits(s8), bits(ipcf_pcf_errors(data, small{:}, 'Method', 'segments', 'Segments', 8))) && ...
      ~isequal(bits(s8), bits(s16)) && ~isequal(bits(s8), bits(sd)), 'segments: 8 by default; the count matters');
mask = true(11, 12);
mask(1:5, :) = false;
sm = ipcf_pcf_errors(data, small{:}, 'Mask', mask);
rest = sd(4:end, :, :, :);
check(all(reshape(isnan(sm(1:3, :, :, :)), [], 1)) && isequaln(sm(4:end, :, :, :), rest) && ...
      isequal(bits(sm(~isnan(sm))), bits(rest(~isnan(rest)))), ...
      'error bars: masked pixels NaN, the others unchanged');
[ga, ai] = ipcf_acf(data, 'Bins', 'multitau', 'M', 8, 'Smooth', 0);
sa = ipcf_pcf_errors(data, 'Offsets', [0 0], 'Bins', 'multitau', 'M', 8, 'Smooth', 0);
check(isequal(size(sa), [size(ga, 1) size(ga, 2) 1 size(ga, 3)]) && isequal(isnan(sa(:)), isnan(ga(:))), ...
      'error bars of the ACF: Offsets [0 0]');
% weighted ACF fits of the simulated series (D = 0.2 px^2/frame)
[ga, ai] = ipcf_acf(simdata, 'Bins', 'multitau', 'Smooth', 0);
sa = ipcf_pcf_errors(simdata, 'Offsets', [0 0], 'Bins', 'multitau', 'Smooth', 0);
[ra, rai] = ipcf_fit(ga, 'Info', ai, 'Model', 'acf2d', 'Ginf', true, 'Sigma', sa);
[ru, rui] = ipcf_fit(ga, 'Info', ai, 'Model', 'acf2d', 'Ginf', true);
dw = median(ra.D(ra.status <= 1));
check(isequal(size(ra.D), [20 20]) && rai.counts.converged + rai.counts.at_bound >= 360 && abs(dw / 0.2 - 1) < 0.5 && ...
      ~isequal(bits(ra.D), bits(ru.D)), sprintf('weighted ACF fits with those error bars (median D %.3f, simulated 0.2)', dw), ...
      sprintf('%d of 400 converged, median D %g (unweighted %g)', rai.counts.converged + rai.counts.at_bound, dw, ...
              median(ru.D(ru.status <= 1))));
sdl = ipcf_pcf_errors(data, small{:}, 'Delta', true);
check(isequal(size(sdl), size(G)) && ~isequal(bits(sdl), bits(sd)), 'error bars of the delta-CCF');
sv = ipcf_pcf_errors(double(data), small{:}, 'Device', 'cpu');
check(isequal(size(sv), size(sd)) && max(abs(sv(~isnan(sv)) - sd(~isnan(sd))) ./ sd(~isnan(sd))) < 1e-3, ...
      'error bars of a double series; Device is accepted');

% The CLI's error bars (ipcf pcf --errors) and its fits weighted by them.
werr = fullfile(tmp, 'werr.npy');
run_cli(sprintf('pcf "%s" -o "%s" --offsets "0,0;4,0;0,4;-4,0;0,-4" %s --errors blocking', src, werr, common), ...
        'cli pcf --errors');
[G, meta] = ipcf_read(werr);
sdc = ipcf_read(fullfile(tmp, 'werr.sd.npy'));
sdm = ipcf_pcf_errors(simdata, 'Offsets', [0 0; RING4], 'Bins', 'multitau', 'M', 16, 'Smooth', 0);
check(isequal(size(sdm), size(sdc)) && isequal(bits(sdm), bits(sdc)), ...
      'ipcf_pcf_errors equals the CLI''s error bars (ipcf pcf --errors), bit for bit');
out = fullfile(tmp, 'mw.npy');
run_cli(sprintf('fit "%s" -o "%s" --model pcf1d --quiet', werr, out), 'cli weighted fit');
[~, mm] = ipcf_read(out);
check(isstruct(mm) && isfield(mm, 'weights') && isstruct(mm.weights) && mm.weights.used, ...
      'ipcf fit weights by the error bars beside the result');
[m, mi] = ipcf_fit(G, 'Info', meta, 'Sigma', sdm);
compare_cli(m, mi, out, 'cli weighted pcf1d');
% META's bins (numbers: the bin edges) is no label: without bins_mode, the
% points are log bins, as META of before the bins modes (it was refused)
check(isfield(meta, 'bins') && isnumeric(meta.bins), 'META''s bins are numbers');
% (these curves are multi-tau points, which log bins are not since FIT19's
% F1: both calls refuse them as log or linear bins, with the same words)
elog = ''; enum = '';
try, ipcf_fit(G, 'Info', setfield(meta, 'bins_mode', 'log'), 'Sigma', sdm); catch e, elog = e.message; end
try, ipcf_fit(G, 'Info', rmfield(meta, 'bins_mode'), 'Sigma', sdm); catch e, enum = e.message; end
check(~isempty(strfind(elog, 'IPCF_FIT_BINS')) && strcmp(elog, enum), ...
      'META without bins_mode, its numeric bins kept: log bins (multi-tau points refused as such)', [elog ' | ' enum]);
% IPCF_READ's third output: the error bars META.errors records, checked;
% IPCF_FIT of META without 'Sigma' says that it fits unweighted.
[G3, meta3, sd3] = ipcf_read(werr);
check(isequal(bits(sd3), bits(sdc)), 'ipcf_read''s third output is the result''s error bars');
[m, mi] = ipcf_fit(G3, 'Info', meta3, 'Sigma', sd3);
compare_cli(m, mi, out, 'cli weighted pcf1d, error bars from ipcf_read');
lastwarn('');
ipcf_fit(G3, 'Info', meta3);
[~, wid] = lastwarn();
check(strcmp(wid, 'ipcf:unweighted'), 'ipcf_fit of a result with error bars, without Sigma: warns ipcf:unweighted', wid);
lastwarn('');
ipcf_fit(G3, 'Info', meta3, 'Sigma', []);
[~, wid] = lastwarn();
check(isempty(wid), 'ipcf_fit with Sigma [] fits unweighted without the warning', wid);
% [] is "not given" for the Info's units, delays, offsets and delta, as ipcf_fit's defaults
% hold them: 'FrameInterval', [] dropped the Info's frame interval, D per frame (OCT18's m6)
mu = meta3;
mu.units = struct('frame_interval_s', 0.01, 'pixel_size_um', 0.2);
[ma, ia] = ipcf_fit(G3, 'Info', mu, 'Sigma', [], 'Waist', 2);
[mb, ib] = ipcf_fit(G3, 'Info', mu, 'Sigma', [], 'Waist', 2, 'FrameInterval', [], 'PixelSize', [], 'Delays', [], ...
                    'Offsets', [], 'Delta', []);
check(strcmp(ia.units.D, ib.units.D) && same_maps(ma, mb) && ~isempty(strfind(ib.units.D, '/s')), ...
      'ipcf_fit with FrameInterval, PixelSize, Delays, Offsets, Delta [] = not given: the Info''s', ...
      sprintf('%s against %s', ib.units.D, ia.units.D));
% the former name reads the error bars too (it declared two outputs: OCT18's m8)
[~, ~, sd4] = ipcf_read_result(werr);
check(isequal(bits(sd4), bits(sdc)), 'ipcf_read_result''s third output is the result''s error bars');
[~, ~, none] = ipcf_read(out);
check(isempty(none), 'ipcf_read''s third output of a file without error bars is empty');
% The error bars read by their own path (no metadata of their own): checked
% against their result's record and described by its metadata; they were
% read unchecked with none.
[sdp, sdmeta] = ipcf_read(fullfile(tmp, 'werr.sd.npy'));
check(isequal(bits(sdp), bits(sdc)) && strcmp(sdmeta.errors_of, werr) && isequal(sdmeta.errors, meta3.errors), ...
      'ipcf_read of OUT.sd.npy: the error bars, with their result''s record of them');
expect_error(@() ipcf_fit(sdp, 'Info', sdmeta, 'Waist', 2), 'ipcf:invalid_argument', 'Info has no delays', ...
             'ipcf_fit of error bars read by their path, as curves');
copyfile(fullfile(tmp, 'werr.sd.npy'), fullfile(tmp, 'mw.sd.npy'));
expect_error(@() ipcf_read(fullfile(tmp, 'mw.sd.npy')), 'ipcf:io', 'records no error bars', ...
             'ipcf_read of error bars beside a result that records none');
delete(fullfile(tmp, 'mw.sd.npy'));
% a name that ipcf's metadata escape (& as \u0026): decoded, not refused
amp = fullfile(tmp, 'w&e.npy');
run_cli(sprintf('pcf "%s" -o "%s" --offsets "0,0;4,0" %s --errors blocking', src, amp, common), 'cli pcf --errors, w&e.npy');
[~, ~, sda] = ipcf_read(amp);
[sdb, sdbm] = ipcf_read(fullfile(tmp, 'w&e.sd.npy'));
check(~isempty(sda) && isequaln(sda, sdb) && strcmp(sdbm.errors_of, amp), 'ipcf_read of w&e.sd.npy (its name escaped in the metadata)');
% braces and a backslash in the name: text of the record, not its structure
for odd = {'r{1}', 'b\s'}
  res = fullfile(tmp, [odd{1} '.npy']);
  run_cli(sprintf('pcf "%s" -o "%s" --offsets "0,0;4,0" %s --errors blocking', src, res, common), ['cli pcf --errors, ' odd{1}]);
  [~, ~, sda] = ipcf_read(res);
  sdb = ipcf_read(fullfile(tmp, [odd{1} '.sd.npy']));
  check(~isempty(sda) && isequaln(sda, sdb), ['ipcf_read of the error bars of ' odd{1} '.npy']);
end
% a result copied with its files under another name has its own error bars
% (they were looked for under the recorded werr.sd.npy: OUT15's F9)
for s = {'.npy', '.npy.json', '.sd.npy'}
  copyfile(fullfile(tmp, ['werr' s{1}]), fullfile(tmp, ['wren' s{1}]));
end
fid = fopen(fullfile(tmp, 'werr.sd.npy'), 'r'); keep = fread(fid, Inf, 'uint8=>uint8'); fclose(fid);
delete(fullfile(tmp, 'werr.sd.npy'));
[~, ~, sdr] = ipcf_read(fullfile(tmp, 'wren.npy'));
sdr2 = ipcf_read(fullfile(tmp, 'wren.sd.npy'));
check(isequal(bits(sdr), bits(sdc)) && isequal(bits(sdr2), bits(sdc)), ...
      'ipcf_read of a result copied with its error bars under another name: its own error bars');
fid = fopen(fullfile(tmp, 'werr.sd.npy'), 'w'); fwrite(fid, keep, 'uint8'); fclose(fid);
fid = fopen(fullfile(tmp, 'werr.sd.npy'), 'r+'); fseek(fid, -4, 'eof'); fwrite(fid, [1 2 3 4], 'uint8'); fclose(fid);
expect_error(@() ipcf_read_sd(werr), 'ipcf:io', 'checksum', 'ipcf_read of a result whose error bars changed');
expect_error(@() ipcf_read(fullfile(tmp, 'werr.sd.npy')), 'ipcf:io', 'checksum', ...
             'ipcf_read of OUT.sd.npy changed since');
% ipcf fit's maps beside MAPS.npy (MAPS.chisq.npy, ...) and the arrays of its
% Zarr maps have no metadata of their own: checked against the maps' record
% of them (companions, files_crc32c), as ipcf plot checks them. They were
% read unchecked: a damaged map, or an earlier fit's, read as these.
cmaps = fullfile(tmp, 'cmaps.npy');
cz = fullfile(tmp, 'cmaps.zarr');
run_cli(sprintf('fit "%s" -o "%s" --quiet', results.plain, cmaps), 'cli fit for its companions');
run_cli(sprintf('fit "%s" -o "%s" --quiet', results.plain, cz), 'cli fit to Zarr for its arrays');
[cm, ~] = ipcf_read(cmaps);
[cc, ccm] = ipcf_read(fullfile(tmp, 'cmaps.chisq.npy'));
cs = ipcf_read(fullfile(tmp, 'cmaps.status.npy'));
check(isstruct(ccm) && strcmp(ccm.companion_of, cmaps) && strcmp(ccm.map, 'chisq') && ...
      strcmp(ccm.companion.file, 'cmaps.chisq.npy'), 'ipcf_read of MAPS.chisq.npy: with the maps'' record of it');
for s = {'.npy', '.npy.json', '.chisq.npy'}  % maps copied with a companion under another name (OUT15's F9b)
  copyfile(fullfile(tmp, ['cmaps' s{1}]), fullfile(tmp, ['cren' s{1}]));
end
check(isequaln(ipcf_read(fullfile(tmp, 'cren.chisq.npy')), cc), 'ipcf_read of MAPS.chisq.npy copied with its maps under another name');
zp = ipcf_read(fullfile(cz, 'params'));
zc = ipcf_read(fullfile(cz, 'chisq'));
check(isequaln(zp, cm) && isequaln(zc, cc), 'ipcf_read of MAPS.zarr/params and /chisq: the maps of MAPS.npy');
copyfile(fullfile(tmp, 'cmaps.chisq.npy'), fullfile(tmp, 'keep.chisq'));
fid = fopen(fullfile(tmp, 'cmaps.chisq.npy'), 'r+'); fseek(fid, -3, 'eof'); fwrite(fid, 9, 'uint8'); fclose(fid);
expect_error(@() ipcf_read(fullfile(tmp, 'cmaps.chisq.npy')), 'ipcf:io', 'changed or damaged since ipcf fit wrote it', ...
             'ipcf_read of MAPS.chisq.npy damaged since');
copyfile(fullfile(tmp, 'cmaps.status.npy'), fullfile(tmp, 'cmaps.chisq.npy'));
expect_error(@() ipcf_read(fullfile(tmp, 'cmaps.chisq.npy')), 'ipcf:io', 'records', ...
             'ipcf_read of another map in the place of MAPS.chisq.npy');
copyfile(fullfile(tmp, 'keep.chisq'), fullfile(tmp, 'cmaps.chisq.npy'));
check(isequaln(ipcf_read(fullfile(tmp, 'cmaps.chisq.npy')), cc) && isequaln(cs, ipcf_read(fullfile(tmp, 'cmaps.status.npy'))), ...
      'ipcf_read of MAPS.chisq.npy put back');
side = fileread([cmaps '.json']);
fid = fopen([cmaps '.json'], 'w'); fwrite(fid, side(1:200)); fclose(fid);
expect_error(@() ipcf_read(fullfile(tmp, 'cmaps.chisq.npy')), 'ipcf:io', 'cut short', ...
             'ipcf_read of MAPS.chisq.npy beside maps'' metadata cut short');
fid = fopen([cmaps '.json'], 'w'); fwrite(fid, side); fclose(fid);
fid = fopen(fullfile(cz, 'params', '0.0.0.0'), 'r+'); fseek(fid, 40, 'bof'); fwrite(fid, 9, 'uint8'); fclose(fid);
expect_error(@() ipcf_read(fullfile(cz, 'params')), 'ipcf:io', 'changed or damaged since ipcf fit wrote it', ...
             'ipcf_read of a Zarr maps array whose chunk changed');
copyfile(fullfile(cz, 'status'), fullfile(cz, 'extra'));
expect_error(@() ipcf_read(fullfile(cz, 'extra')), 'ipcf:io', 'records no files of an array "extra"', ...
             'ipcf_read of an array that the Zarr maps do not record');
% the partial output of a run (.OUT.partial: unfinished, zeros where not
% computed yet) is refused, as ipcf plot refuses it (DISK17's F1)
copyfile(cmaps, fullfile(tmp, '.half.npy.partial'));
expect_error(@() ipcf_read(fullfile(tmp, '.half.npy.partial')), 'ipcf:io', 'is the unfinished output of an ipcf run writing', ...
             'ipcf_read of a partial output');
mkdir(fullfile(tmp, '.half.zarr.partial', '0'));
expect_error(@() ipcf_read(fullfile(tmp, '.half.zarr.partial', '0')), 'ipcf:io', 'is the unfinished output of an ipcf run writing', ...
             'ipcf_read of an array inside a partial output');
% the group's metadata gone (they record the checksums): its arrays are not
% read unchecked under the maps' labels, as ipcf plot refuses them (ZARR17's m2)
movefile(fullfile(cz, '.zattrs'), fullfile(cz, 'aside'));
expect_error(@() ipcf_read(fullfile(cz, 'status')), 'ipcf:io', 'whose group metadata', ...
             'ipcf_read of a Zarr maps array without the group''s metadata');
movefile(fullfile(cz, 'aside'), fullfile(cz, '.zattrs'));

%% 6. Bad input.
layout_warning = warning('off', 'ipcf:layout');   % data(1:3, :, :) below
p = truth(0, 'pcf1d', false, false);
G = repmat(reshape(single(model('pcf1d', p, RING4, TAU, false, false, false, [], 1, W0)), 1, 1, 4, []), [2 2 1 1]);
ok = {'Delays', TAU, 'Offsets', RING4};
A = reshape(G(:, :, 1, :), 2, 2, []);
bad = {
  @() ipcf_fit(), IA, 'G is required'
  @() ipcf_fit('abc', ok{:}), UL, 'char array'
  @() ipcf_fit(complex(G), ok{:}), UL, 'complex'
  @() ipcf_fit({G}, ok{:}), UL, 'cell array'
  @() ipcf_fit(G > 0, ok{:}), UL, 'logical array'
  @() ipcf_fit(sparse(1, 33), 'Delays', TAU), UL, 'sparse'
  @() ipcf_fit(zeros(2, 0, 'single'), 'Delays', TAU), IA, 'empty'
  @() ipcf_fit(zeros(2, 2, 2, 2, 2, 'single'), 'Delays', TAU), IA, '5 dimensions'
  @() ipcf_fit(G, 'Offsets', RING4), IA, 'delay of each point is needed'
  @() ipcf_fit(G, 'Delays', TAU(1:5), 'Offsets', RING4), IA, '5 delays for curves of 33 points'
  @() ipcf_fit(G, 'Delays', 'abc', 'Offsets', RING4), IA, 'Delays must be a real numeric vector'
  @() ipcf_fit(G, 'Delays', [TAU(1:10); NaN; TAU(12:end)], 'Offsets', RING4), IA, 'Delays(11)=NaN, want finite delays >= 0'
  @() ipcf_fit(G, 'Delays', flipud(TAU), 'Offsets', RING4), IA, 'after Delays(1)='
  @() ipcf_fit(G, 'Delays', -TAU, 'Offsets', RING4), IA, 'Delays(2)=-1, want finite delays >= 0'
  @() ipcf_fit(G, ok{:}, 'Model', 'pcf2d'), IA, 'Model ''pcf2d'''
  @() ipcf_fit(G, ok{:}, 'Model', 3), IA, 'Model must be a character vector'
  @() ipcf_fit(G, 'Delays', TAU), IA, 'needs the [u v] offset of each of the 4 curves'
  @() ipcf_fit(G, 'Delays', TAU, 'Offsets', RING4(1:3, :)), IA, '3 offsets [u v] for 4 curves per pixel'
  @() ipcf_fit(G, 'Delays', TAU, 'Offsets', [RING4(:, 1) + 0.5 RING4(:, 2)]), IA, 'Offsets(1,1)=4.5 must be a whole number'
  @() ipcf_fit(G, 'Delays', TAU, 'Offsets', 'circle'), IA, 'not text'
  @() ipcf_fit(G, 'Delays', TAU, 'Offsets', RING4(:)), IA, 'Offsets must be a k x 2 matrix'
  @() ipcf_fit(G, ok{:}, 'Model', 'acf2d'), IA, 'which the curves lack'
  @() ipcf_fit(G, 'Delays', TAU, 'Model', 'acf2d'), IA, 'give the offsets of the 4'
  @() ipcf_fit(G, 'Delays', TAU, 'Offsets', [4 4; 2 2; -4 -4; -1 -1], 'Model', 'ccf2d'), IA, 'two directions, or on one axis'
  @() ipcf_fit(G, ok{:}, 'Flow', true), IA, '''Flow'' does not apply to Model ''pcf1d'''
  @() ipcf_fit(G, ok{:}, 'Ginf', true), IA, '''Ginf'' does not apply to Model ''pcf1d'''
  @() ipcf_fit(A, 'Delays', TAU, 'Model', 'acf2d', 'Joint', true), IA, '''Joint'' does not apply to Model ''acf2d'''
  @() ipcf_fit(G, ok{:}, 'Model', 'ccf2d', 'Flow', true), IA, '''Flow'' does not apply to Model ''ccf2d'''
  @() ipcf_fit(G, ok{:}, 'Delta', true), IA, 'fit them with Model ''ccf2d'''
  @() ipcf_fit(G, ok{:}, 'Model', 'ccf2d', 'Delta', true, 'Ginf', true), IA, 'a delta-CCF has no offset'
  @() ipcf_fit(A, 'Delays', TAU, 'Model', 'acf3d'), IA, 'needs ''Kappa'''
  @() ipcf_fit(A, 'Delays', TAU, 'Model', 'acf2d', 'Kappa', 4), IA, '''Kappa'' applies to Model ''acf3d'' only'
  @() ipcf_fit(A, 'Delays', TAU, 'Model', 'acf3d', 'Kappa', 0), IA, 'Kappa=0, want a finite value > 0'
  @() ipcf_fit(G, ok{:}, 'PixelSide', 2), IA, '''PixelSide'' applies to Model ''itir'' only'
  @() ipcf_fit(G, ok{:}, 'Model', 'itir', 'PixelSide', -1), IA, 'PixelSide=-1'
  @() ipcf_fit(G, ok{:}, 'Waist', -1), IA, 'Waist=-1, want a finite value > 0'
  @() ipcf_fit(G, ok{:}, 'Waist', NaN), IA, 'Waist=NaN'
  @() ipcf_fit(G, ok{:}, 'Waist', Inf), IA, 'Waist=Inf'
  @() ipcf_fit(G, ok{:}, 'Waist', '2'), IA, 'Waist must be a real numeric scalar'
  @() ipcf_fit(G, ok{:}, 'Waist', [1 2]), IA, 'Waist must be a real numeric scalar'
  @() ipcf_fit(G, ok{:}, 'Waist', 2, 'WaistUm', 0.2, 'PixelSize', 0.1), IA, 'not both'
  @() ipcf_fit(G, ok{:}, 'WaistUm', 0.2), IA, '''WaistUm'' needs the pixel size'
  @() ipcf_fit(G, ok{:}, 'PixelSize', 0.1), IA, 'give the PSF waist'
  @() ipcf_fit(G, ok{:}, 'PixelSize', -0.1, 'Waist', 2), IA, 'PixelSize=-0.1'
  @() ipcf_fit(G, ok{:}, 'FrameInterval', NaN), IA, 'FrameInterval=NaN'
  @() ipcf_fit(G, ok{:}, 'FrameInterval', [1 2]), IA, 'FrameInterval must be a real numeric scalar'
  @() ipcf_fit(G, ok{:}, 'Sigma', ones(2, 2, 4, 32)), IA, 'Sigma has size [2 2 4 32], want G''s [2 2 4 33]'
  @() ipcf_fit(G, ok{:}, 'Sigma', G > 0), UL, 'Sigma: a logical array is not supported'
  @() ipcf_fit(G, ok{:}, 'Joint', 2), IA, 'Joint must be true or false'
  @() ipcf_fit(G, ok{:}, 'Flow', 'yes'), IA, 'Flow must be true or false'
  @() ipcf_fit(G, ok{:}, 'Delta', [true false]), IA, 'Delta must be true or false'
  @() ipcf_fit(G, ok{:}, 'Threads', 1.5), IA, 'Threads=1.5 must be a whole number'
  @() ipcf_fit(G, ok{:}, 'Threads', -1), IA, 'Threads=-1 is out of range'
  @() ipcf_fit(G, ok{:}, 'First', -1), IA, 'First=-1 is out of range'
  @() ipcf_fit(G, ok{:}, 'Last', NaN), IA, 'Last=NaN'
  @() ipcf_fit(G, ok{:}, 'MaxIter', 0), IA, 'MaxIter=0, want a whole number >= 1'
  @() ipcf_fit(G, ok{:}, 'MaxIter', 2^21), IA, 'MaxIter=2097152 is out of range, want 0..1048576'
  @() ipcf_fit(G, ok{:}, 'First', 20, 'Last', 12), IA, 'too few for the 2 parameters'
  @() ipcf_fit(G, ok{:}, 'Colour', 1), IA, 'unknown option ''Colour'''
  @() ipcf_fit(G, ok{:}, 'Waist'), IA, 'has no value'
  @() ipcf_fit(G, ok{:}, 'Waist', 2, 'waist', 3), IA, 'given twice'
  @() ipcf_fit(G, 'Info', 3), IA, 'Info must be the INFO struct'
  @() ipcf_fit(G, 'Info', struct('offsets', RING4)), IA, 'Info has no delays'
  @() ipcf_fit(G, 'Info', gi), IA, 'delays for curves of 33 points'
  % a bins value not one of the three was taken for multi-tau points, silently
  @() ipcf_fit(G, 'Info', setfield(gi, 'bins', 'Log')), IA, 'Info''s bins must be ''log'', ''linear'' or ''multitau'' (the curves'' bins), not ''Log'''
  @() ipcf_fit(G, 'Info', setfield(gi, 'bins', 'foo')), IA, 'not ''foo'
  @() ipcf_fit(G, 'Info', setfield(gi, 'bins', {'log'})), IA, 'Info''s bins must be ''log'', ''linear'' or ''multitau'' (the curves'' bins), not a cell of size [1 1]'
  @() ipcf_fit(G, 'Info', struct('delay_frames', 1:4, 'offsets_uv', RING4, 'bins_mode', 2)), IA, 'Info''s bins_mode must be ''log'', ''linear'' or ''multitau'' (the curves'' bins), not a double of size [1 1]'
  @() ipcf_fit(ones(2, 2, 8, numel(gi.delays), 'single'), 'Info', gi, 'Offsets', RING4), IA, '4 offsets [u v] for 8 curves'
  @() ipcf_pcf_errors(), IA, 'DATA is required'
  @() ipcf_pcf_errors(data, small{:}, 'Method', 'jackknife'), IA, 'Method ''jackknife'''
  @() ipcf_pcf_errors(data, small{:}, 'Method', 1), IA, 'Method must be a character vector'
  @() ipcf_pcf_errors(data, small{:}, 'Method', 'segments', 'Segments', 1), IA, 'Segments=1 is out of range'
  @() ipcf_pcf_errors(data, small{:}, 'Method', 'segments', 'Segments', 2.5), IA, 'Segments=2.5 must be a whole number'
  @() ipcf_pcf_errors(data, small{:}, 'Segments', 2.5), IA, 'Segments=2.5 must be a whole number'
  @() ipcf_pcf_errors(data, small{:}, 'Segments', NaN), IA, 'Segments=NaN must be a whole number (it is not used'
  @() ipcf_pcf_errors(data, small{:}, 'Method', 'segments', 'Segments', 100000), IA, 'segments=100000: want 2 to 512 (the frames used)'
  @() ipcf_pcf_errors({data}, small{:}), UL, 'not supported'
  @() ipcf_pcf_errors(data(1:3, :, :), small{:}), IA, 'want >= 4'
  @() ipcf_pcf_errors(data, 'Radius', 20), IA, 'radius=20 too large'
  @() ipcf_pcf_errors(data, small{:}, 'Mask', true(3, 3)), IA, 'mask shape'
  @() ipcf_pcf_errors(data, small{:}, 'Device', 'gpu'), IA, 'Device'
  @() ipcf_pcf_errors(data, small{:}, 'Colour', 1), IA, 'unknown option ''Colour'''
};
for k = 1:size(bad, 1)
  expect_error(bad{k, 1}, bad{k, 2}, bad{k, 3}, sprintf('bad input %d: %s', k, bad{k, 3}));
end
warning(layout_warning);

%% 7. Ctrl+C cancels ipcf_pcf_errors and ipcf_fit (a separate Octave, SIGINT).
if exist('OCTAVE_VERSION', 'builtin')
  [st, outp] = system(sprintf('bash "%s" 2>&1', fullfile(here, 'interrupt_fit.sh')));
  fprintf('%s', outp);
  check(st == 0, 'Ctrl+C cancels ipcf_pcf_errors and ipcf_fit (tests/interrupt_fit.sh)', outp);
end

fprintf('test_fit: %d passed, %d failed\n', npass, numel(failed));
if ~isempty(failed)
  error('test_fit:failed', '%d checks failed: %s', numel(failed), strjoin(failed, '; '));
end
end

function p = truth(i, name, flow, ginf)
%TRUTH The parameters of test curve i (0-based) of a model.
p = [0.02 + 0.003 * i, 0.1 + 0.04 * i];
if strcmp(name, 'ccf2d') || (flow && strcmp(name, 'itir'))
  p = [p, 0.12 - 0.02 * i, 0.05 + 0.015 * i];
elseif flow
  p = [p, 0.15 + 0.01 * i];
end
if ginf
  p = [p, -0.001 + 0.0003 * i];
end
end

function g = multitau_model(name, p, uv, t, m, W0)
%MULTITAU_MODEL The model's multi-tau points at the lags t of m channels a level: a point of level
%k >= 1 (lag l 2^k) is the correlation of block sums of s = 2^k frames, the model averaged over the
%lags within s of its own, weighted (s - |d|) / s^2 (docs/toolkit.md, section 4).
g = zeros(size(uv, 1), numel(t));
for j = 1:numel(t)
  s = 1;
  while t(j) >= m * s
    s = s * 2;
  end
  d = -(s - 1):(s - 1);
  g(:, j) = model(name, p, uv, t(j) + d, false, false, false, [], 1, W0) * ((s - abs(d(:))) / (s * s));
end
end

function g = model(name, p, uv, t, flow, ginf, delta, kappa, side, W0)
%MODEL The model's curve at each offset [u v]: (k, numel(t)) double (core/fit's formulas).
t = t(:)';
w2 = W0 * W0;
q = 4 * p(2) * t + w2;
g = zeros(size(uv, 1), numel(t));
h = @(z, s) z .* erf(z ./ s) + s / sqrt(pi) .* exp(-z .^ 2 ./ s .^ 2);
f = @(r, s) (h(r + side, s) + h(r - side, s) - 2 * h(r, s)) / 2;
for k = 1:size(uv, 1)
  u = uv(k, 1);
  v = uv(k, 2);
  switch name
    case 'pcf1d'
      gk = p(1) * w2 ./ q .* exp(-(u * u + v * v) ./ q);
    case {'acf2d', 'acf3d'}
      gk = p(1) * w2 ./ q;
      if strcmp(name, 'acf3d')
        gk = gk ./ sqrt(1 + 4 * p(2) * t / (kappa * kappa * w2));
      end
      if flow
        gk = gk .* exp(-p(3) ^ 2 * t .^ 2 ./ q);
      end
      if ginf
        gk = gk + p(3 + flow);
      end
    case 'ccf2d'
      a = exp(-((u - p(3) * t) .^ 2 + (v - p(4) * t) .^ 2) ./ q);
      if delta
        a = a - exp(-((u + p(3) * t) .^ 2 + (v + p(4) * t) .^ 2) ./ q);
      end
      gk = p(1) * w2 ./ q .* a;
      if ginf
        gk = gk + p(5);
      end
    otherwise   % itir
      vx = 0;
      vy = 0;
      if flow
        vx = p(3);
        vy = p(4);
      end
      s = sqrt(q);
      f0 = f(0, W0);
      gk = p(1) * f(u - vx * t, s) .* f(v - vy * t, s) / f0 ^ 2;
      if ginf
        gk = gk + p(3 + 2 * flow);
      end
  end
  g(k, :) = gk;
end
end

function ok = same_maps(a, b)
%SAME_MAPS The same fields, sizes, classes and bits (NaN too) in two MAPS structs of ipcf_fit.
ok = isequal(fieldnames(a), fieldnames(b));
f = fieldnames(a);
for k = 1:numel(f)
  if ~ok
    return
  end
  x = a.(f{k});
  y = b.(f{k});
  if isstruct(x)
    ok = isstruct(y) && same_maps(x, y);
  elseif isa(x, 'single')
    ok = isa(y, 'single') && isequal(size(x), size(y)) && isequal(typecast(x(:), 'uint32'), typecast(y(:), 'uint32'));
  else
    ok = isequal(class(x), class(y)) && isequal(x, y);
  end
end
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

function sd = ipcf_read_sd(path)
[~, ~, sd] = ipcf_read(path);
end
