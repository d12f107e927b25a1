function make()
%MAKE Build the ipcf MEX gateways with MATLAB (mex -R2018a) or Octave (mkoctfile --mex).
%   Run `make` in the repository first (it builds build/lib/libipcf.so), then
%   MAKE in this folder. The MEX files find the library through an rpath
%   relative to themselves ($ORIGIN/../../build/lib); set LD_LIBRARY_PATH or
%   copy libipcf.so next to them otherwise.
here = fileparts(mfilename('fullpath'));
root = fullfile(here, '..', '..');
inc = ['-I' fullfile(root, 'include')];
lib = ['-L' fullfile(root, 'build', 'lib')];
rpath = '-Wl,-rpath,$ORIGIN/../../build/lib';
names = {'ipcf_pcf_mex', 'ipcf_pcf_file_mex', 'ipcf_correct_bleaching_mex', 'ipcf_correlate_mex', ...
         'ipcf_circle_mex', 'ipcf_logbins_mex', 'ipcf_version_mex', 'ipcf_offsets_mex', 'ipcf_delays_mex', ...
         'ipcf_fit_mex', 'ipcf_file_crc32c_mex', 'ipcf_check_units_mex', 'ipcf_check_metadata_mex', 'ipcf_lock_holder_mex'};
octave = exist('OCTAVE_VERSION', 'builtin') ~= 0;
old = cd(here);
cleanup = onCleanup(@() cd(old));
for k = 1:numel(names)
  src = [names{k} '.c'];
  if octave
    % mkoctfile runs the link through a shell: keep $ORIGIN from expansion.
    [out, status] = system(sprintf('mkoctfile --mex -DIPCF_OCTAVE %s %s -lipcf ''%s'' %s -o %s.mex', ...
                                   inc, lib, strrep(rpath, '$', '\$'), src, names{k}));
    if status ~= 0
      error('ipcf:build', 'mkoctfile failed for %s:\n%s', src, out);
    end
  else
    mex('-R2018a', inc, lib, '-lipcf', '-lut', ['LDFLAGS=$LDFLAGS ' rpath], src);
  end
end
fprintf('built %d MEX gateways in %s\n', numel(names), here);
end
