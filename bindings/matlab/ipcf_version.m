function v = ipcf_version()
%IPCF_VERSION Version of the ipcf library, e.g. '0.1.0 (fftw3f)'.
v = ipcf_version_mex();
end
