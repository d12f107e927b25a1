function [out, summary] = ipcf_pcf_file(input, output, varargin)
%IPCF_PCF_FILE pCF of an image time series file or folder, into a file.
%   OUT = IPCF_PCF_FILE(INPUT, OUTPUT) computes the image pair correlation
%   function of the time series INPUT and writes it to OUTPUT, without
%   loading the series into MATLAB: large series are computed out of core,
%   tile by tile, within a memory budget. OUT is OUTPUT.
%
%   INPUT is a .npy file (T, H, W), a TIFF / BigTIFF / ImageJ stack, a
%   folder or glob ('/data/run1/*.tif') of single-page TIFFs (one frame
%   each, in name order), or a raw file (give 'Shape').
%   OUTPUT is a .npy file of float32 (rows, columns, points, bins), in C
%   order, with its metadata in OUTPUT.json, or a .zarr folder (Zarr v2,
%   out-of-core engine only); its extension chooses: also .ome.zarr
%   (OME-NGFF) and .tif (ImageJ hyperstack); error bars with .npy only.
%   Read a .npy or .zarr result with IPCF_READ.
%
%   The job is safe to interrupt (Ctrl+C gives the error ipcf:cancelled)
%   or to kill: the output appears complete or not at all. Running the same
%   job again resumes the verified finished tiles; running a completed job
%   again changes nothing (summary.already_complete is true).
%
%   [OUT, SUMMARY] = IPCF_PCF_FILE(...) also returns a struct:
%     engine            'memory' or 'ooc' (out of core)
%     shape             output size [rows columns points bins]
%     tiles             out of core: number of tiles (0 in memory)
%     resumed           tiles reused from an interrupted run
%     already_complete  true if OUTPUT already was this job's result
%     input_crc32c      CRC-32C of the samples read, hex text ('00000000'
%                       if nothing was read)
%     read_in_place     out of core: true if the input file was read in
%                       place, false if its frames were copied into scratch
%     errors            the file of the error bars ('Errors'), '' without
%     log               cell array of the job's notes (stale scratch
%                       removed, job already complete, ...)
%
%   IPCF_PCF_FILE(INPUT, OUTPUT, Name, Value, ...) with options
%   (case-insensitive):
%   pCF parameters
%     'Radius'        circle radius in pixels (6)
%     'Npoints'       circle points (32); 'Points' is the same option
%     'Nbins'         requested delay bins of 'log' and 'linear' (32)
%     'Bins'          'log' (default), 'linear' or 'multitau' (see
%                     IPCF_PCF); or, as before, a number: the same as
%                     'Nbins'
%     'Bleach'        photobleaching filter size, 0 = off (0)
%     'BleachMean'    'real' or 'floor' ('real')
%     'Threads'       worker threads, 0 = all cores (0)
%     'Device'        'auto', 'cpu', 'cuda' or 'cuda:N' ('auto')
%     'Mask'          a .npy file path, or an H x W array indexed
%                     Mask(row, column) like the frames (or like the crop
%                     when 'Crop' is given); zero pixels are not computed
%                     (NaN) ([] or '': none, as an empty 'Crop' or
%                     'Frames' is the whole input)
%   The correlation toolkit (library 0.3; as IPCF_PCF, see its help)
%     'Offsets'       'circle' (default), 'disk', 'line' or a k x 2 matrix
%                     [u v]; the output is then (H-2*max|v|, W-2*max|u|,
%                     k, points)
%     'M'             multi-tau channels per level, even, 2..4096 (16)
%     'Smooth'        smoothing weight, 0 <= w < 1, 0 = off (0.7)
%     'Threshold'     pixels whose mean is <= Threshold get NaN curves
%                     ([] = none)
%     'Delta'         true: the delta-CCF G(p->q) - G(q->p) (false)
%   (a second channel array, IPCF_PCF's 'Data2', is not taken by file
%   jobs: 'Channel2' takes it from the input file)
%   Channels (library 0.3)
%     'Channel'       the channel, numbered from 1 as in ImageJ, of a
%                     multi-channel ImageJ hyperstack or OME-TIFF INPUT
%                     (refused without one); an input of one channel has
%                     channel 1 only ([] = none)
%     'Channel2'      channel N of INPUT is the second channel: the pixel's
%                     series comes from 'Channel', the neighbour's from
%                     'Channel2', as IPCF_PCF(..., 'Data2', ...); with
%                     'Offsets', [0 0] the per-pixel cross-channel
%                     correlation ([] = none). Both are recorded in the
%                     metadata (channel, channel2)
%   Input
%     'Format'        'auto' (by extension and content), 'npy', 'tiff' or
%                     'raw' ('auto')
%     'Crop'          'y0:y1,x0:x1': rows y0..y1-1, columns x0..x1-1,
%                     0-based and half-open like the command line ipcf;
%                     a bound may be empty ('10:,:50') ('' = whole frame)
%     'Frames'        'start:stop', 0-based, half-open ('' = all)
%     'Shape'         raw input: [frames rows columns] ([] = not raw)
%     'Dtype'         raw input: 'uint8', 'uint16', 'int16', 'int32',
%                     'single' ('float32'), 'double' ('float64') ('uint16')
%     'ByteOrder'     raw input: 'little', 'big' or 'native' ('little')
%     'Offset'        raw input: bytes before the first sample (0)
%   Job
%     'Memory'        memory budget: '2GiB', '512MiB', '1.5G' or a number of
%                     bytes ('' = a quarter of the RAM, or of the
%                     process's cgroup memory limit)
%     'Scratch'       folder of the out-of-core scratch files ('' = beside
%                     OUTPUT)
%     'Engine'        'auto' (in memory if it fits the budget), 'memory'
%                     or 'ooc' ('auto')
%     'Tile'          out of core: output tile [rows columns] ([] = from
%                     the budget); on the CPU bands of rows full rows
%     'FrameInterval' seconds between frames, for the metadata (0 or [] = the
%                     input's, from ImageJ, Micro-Manager or OME metadata,
%                     if any); 'frame_interval' is the same option
%     'PixelSize'     pixel size in micrometres, for the metadata (0 or [] = the
%                     input's, if any); 'pixel_size' is the same option
%   Error bars (library 0.3)
%     'Errors'        'blocking' or 'segments': also write the error bars
%                     of every curve point (the numbers of IPCF_PCF_ERRORS
%                     with 'Method', bit for bit) beside a .npy OUTPUT:
%                     OUT.sd.npy for OUT.npy, single, OUTPUT's shape,
%                     named in the metadata (meta.errors); read it with
%                     IPCF_READ. A .zarr OUTPUT with error bars raises
%                     ipcf:invalid_argument. '' or 'none': none ('')
%     'Segments'      segments of 'segments', 2 .. the frames used (8);
%                     a whole number, not used otherwise (warning ipcf:ignored)
%   Progress
%     'Progress'      true: print a line for each phase of the job
%                     ('read', 'transpose', 'pcf', 'errors') and each 10 %
%                     of it; false (default): none. Ctrl+C cancels either way
%   Out of core
%     'CopyInput'     true: copy the frames into scratch first even where
%                     the input file can be read in place (one file with
%                     whole rows contiguous: .npy, raw, ImageJ TIFF), for
%                     an input on a slow or shared drive or one that may
%                     change; false (default): read in place where possible
%
%   Whole-number options must be whole numbers within range: 2.7 or 2^31
%   raise ipcf:invalid_argument and are never rounded.
%
%   Errors have identifiers ipcf:<status>: ipcf:invalid_argument (bad
%   option, or an OUTPUT that is the input, lies inside an input folder, or
%   is a folder that is not an ipcf result), ipcf:io (input missing or
%   unreadable, disk full, input changed during the run), ipcf:busy
%   (another run is writing OUTPUT), ipcf:cancelled, ipcf:no_device,
%   ipcf:out_of_memory.
%
%   Example (copy and paste: it writes a small test series first):
%     dir0 = tempname(); mkdir(dir0);
%     stack = uint16(randi(200, 40, 40, 256));      % stack(y, x, t)
%     fid = fopen(fullfile(dir0, 'stack.raw'), 'w', 'ieee-be');
%     fwrite(fid, permute(stack, [2 1 3]), 'uint16');  % frames, rows, columns in C order
%     fclose(fid);
%     [out, s] = ipcf_pcf_file(fullfile(dir0, 'stack.raw'), fullfile(dir0, 'pcf.npy'), ...
%                              'Shape', [256 40 40], 'Dtype', 'uint16', 'ByteOrder', 'big', ...
%                              'Radius', 3, 'Npoints', 12, 'Nbins', 16, ...
%                              'Memory', '64MiB', 'Engine', 'ooc', 'Tile', [8 8]);
%     fprintf('%s: engine %s, %d tiles\n', out, s.engine, s.tiles);
%     [G, meta] = ipcf_read_result(out);             % G(row, column, point, bin)
%     imagesc(G(:, :, 1, 4)); title(sprintf('radius %d', meta.radius));
%
%   Warnings: the job's (a unit of the input not used, a mask of no
%   computed pixel, error bars of smoothed curves, ...) are ipcf:job; data
%   that are not counts with 'Bleach' ipcf:counts.
%
%   See also IPCF_READ_RESULT, IPCF_PCF, IPCF_CIRCLE, IPCF_LOGBINS.
fname = 'ipcf_pcf_file';
if nargin < 2
  error('ipcf:invalid_argument', '%s: INPUT and OUTPUT are required', fname);
end
input = ipcf_text(input, 'INPUT', fname);
output = ipcf_text(output, 'OUTPUT', fname);
d = struct('Radius', 6, 'Npoints', 32, 'Nbins', 32, 'Bleach', 0, 'BleachMean', 'real', ...
           'Mask', [], 'Crop', '', 'Frames', '', 'Format', 'auto', 'Shape', [], ...
           'Dtype', 'uint16', 'ByteOrder', 'little', 'Offset', 0, 'Threads', 0, ...
           'Memory', '', 'Scratch', '', 'Engine', 'auto', 'Tile', [], 'Device', 'auto', ...
           'FrameInterval', 0, 'PixelSize', 0, 'Bins', 32, 'Offsets', 'circle', 'M', 16, 'Smooth', 0.7, ...
           'Threshold', [], 'Delta', false, 'Channel', [], 'Channel2', [], 'Errors', '', 'Segments', 8, ...
           'CopyInput', false, 'Progress', false);
% 'Points' as in ipcf_pcf
[o, given] = ipcf_options(d, varargin, fname, {'Points', 'Npoints'; 'frame_interval', 'FrameInterval'; ...
                                               'pixel_size', 'PixelSize'});
% the toolkit: Offsets, Bins (a mode or the number of bins), M, Smooth, Threshold, Delta
[tk, o.Nbins] = ipcf_toolkit(o, given, fname, o.Radius);
for name = fieldnames(tk)'
  o.(name{1}) = tk.(name{1});
end
o = rmfield(o, 'Bins');
for name = {'BleachMean', 'Crop', 'Frames', 'Format', 'Dtype', 'ByteOrder', 'Scratch', 'Engine', 'Device'}
  o.(name{1}) = ipcf_text(o.(name{1}), name{1}, fname);
end
if isa(o.Mask, 'string') || ischar(o.Mask)
  o.Mask = ipcf_text(o.Mask, 'Mask', fname);
end
o.Mask = ipcf_mask(o.Mask);   % as IPCF_PCF takes them (OCT18's m2)
for name = {'FrameInterval', 'PixelSize'}
  if isnumeric(o.(name{1})) && isempty(o.(name{1}))
    o.(name{1}) = 0;      % [] = not given: the input's own, as IPCF_PCF takes [] for none given (OCT18's m2)
  end
end
if isa(o.Memory, 'string') || ischar(o.Memory)
  o.Memory = ipcf_text(o.Memory, 'Memory', fname);
end
% values in any case, as every other option's (HOSTS11's m3: 'OOC' and
% 'NPY' were refused by the library)
o.Format = lower(o.Format);
o.Engine = lower(o.Engine);
if strcmpi(o.Format, 'raw') && isempty(o.Shape)
  error('ipcf:invalid_argument', '%s: Format ''raw'' needs ''Shape'', [frames rows columns]', fname);
end
raw = intersect(given, {'Dtype', 'ByteOrder', 'Offset'});
if isempty(o.Shape) && ~strcmpi(o.Format, 'raw') && ~isempty(raw)
  % as the command line and Python: ignored silently otherwise
  error('ipcf:invalid_argument', '%s: %s: describes raw input only (give ''Shape'', [frames rows columns])', ...
        fname, strjoin(raw, ', '));
end
o.BleachMean = ipcf_mean(o.BleachMean, fname);
o.Errors = error_bars(o.Errors, fname);   % Segments checked by the gateway
if o.Errors ~= 2 && any(strcmp(given, 'Segments'))
  % (ipcf pcf refuses --segments without --errors segments; Python warns)
  warning('ipcf:ignored', '%s: ''Segments'' is ignored: it is the segments of ''Errors'', ''segments''', fname);
end
if islogical(o.CopyInput)
  o.CopyInput = double(o.CopyInput);      % 0 or 1, checked by the gateway
end
if islogical(o.Progress)
  o.Progress = double(o.Progress);        % 0 or 1, checked by the gateway
end
o.Device = ipcf_device(o.Device, fname);
o.Dtype = raw_dtype(o.Dtype, fname);
o.ByteOrder = byte_order(o.ByteOrder, fname);
if nargout > 1
  [out, summary] = ipcf_pcf_file_mex(input, output, o);
  summary.errors = '';
  if o.Errors ~= 0   % OUT.sd.npy for OUT.npy, as the library names it
    [folder, name, ext] = fileparts(regexprep(out, '/+$', ''));
    summary.errors = fullfile(folder, [name '.sd' ext]);
  end
else
  out = ipcf_pcf_file_mex(input, output, o);
end
end

function code = error_bars(errors, fname)
% IPCF_JOB_ERRORS_NONE 0, _BLOCKING 1, _SEGMENTS 2
errors = ipcf_text(errors, 'Errors', fname);
k = find(strcmpi(errors, {'none', 'blocking', 'segments'}));
if isempty(errors)
  code = 0;
elseif isempty(k)
  error('ipcf:invalid_argument', '%s: Errors ''%s'': want ''blocking'', ''segments'' or '''' (none)', fname, errors);
else
  code = k - 1;
end
end

function code = raw_dtype(dtype, fname)
switch lower(dtype)
  case 'uint8'
    code = 1;
  case 'uint16'
    code = 2;
  case 'int16'
    code = 3;
  case 'int32'
    code = 4;
  case {'single', 'float32'}
    code = 5;
  case {'double', 'float64'}
    code = 6;
  otherwise
    error('ipcf:invalid_argument', '%s: Dtype ''%s'': want uint8, uint16, int16, int32, single or double', fname, dtype);
end
end

function code = byte_order(order, fname)
switch lower(order)
  case 'native'
    code = 0;
  case {'little', 'little-endian', 'le'}
    code = 1;
  case {'big', 'big-endian', 'be'}
    code = 2;
  otherwise
    error('ipcf:invalid_argument', '%s: ByteOrder ''%s'': want ''little'', ''big'' or ''native''', fname, order);
end
end
