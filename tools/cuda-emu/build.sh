#!/bin/sh
# Builds the emulated CUDA device into $1 (default build/cuda-emu): one
# library, linked as libcuda.so.1, libnvrtc.so.12 and libcufft.so.11.
# Use it with IPCF_CUDA_LIBDIR=$1. Needs a C++17 compiler and libfftw3f.
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-build/cuda-emu}
mkdir -p "$out"
${CXX:-c++} -std=c++17 -O2 -ffp-contract=off -fPIC -shared -Wall -Wno-unused-function \
  -o "$out/libipcf-cuda-emu.so" "$here/emu.cc" -lfftw3f
for n in libcuda.so.1 libnvrtc.so.12 libcufft.so.11; do ln -sf libipcf-cuda-emu.so "$out/$n"; done
