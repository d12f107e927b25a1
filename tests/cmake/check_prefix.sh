#!/bin/sh
# check_prefix.sh PREFIX CONFORMANCE WORK: what an install into PREFIX (make
# install, cmake --install) must hold, and that it is usable alone: the CLI
# runs, and the installed example builds with pkg-config and with
# find_package (tests/cmake) against the installed header and library only,
# then reproduces the pcf_basic conformance case. WORK is a scratch folder
# (emptied). Prints "check_prefix: PREFIX: ok" or exits non-zero.
set -eu
prefix=$1
conf=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-cc}
fail() { echo "check_prefix: $prefix: $*" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work"
pc=$(find "$prefix" -path '*/pkgconfig/ipcf.pc' | head -n 1)
test -n "$pc" || fail "no pkg-config file (LIBDIR/pkgconfig/ipcf.pc)"
export PKG_CONFIG_PATH="${pc%/ipcf.pc}"
libdir=$(pkg-config --variable=libdir ipcf)
case $libdir in "$prefix"/*) ;; *) fail "ipcf.pc: libdir $libdir is outside the prefix" ;; esac
lib=${libdir#"$prefix"/}
ver=$(pkg-config --modversion ipcf)
for f in bin/ipcf include/ipcf.h "$lib/libipcf.so" "$lib/libipcf.so.0" "$lib/libipcf.so.$ver" \
         "$lib/cmake/ipcf/ipcfConfig.cmake" "$lib/cmake/ipcf/ipcfConfigVersion.cmake" "$lib/pkgconfig/ipcf.pc" \
         share/doc/ipcf/examples/pcf_example.c; do
  test -e "$prefix/$f" || fail "$f missing"
done
test -x "$prefix/bin/ipcf" || fail "bin/ipcf is not executable"
test -L "$libdir/libipcf.so" && test -L "$libdir/libipcf.so.0" || fail "libipcf.so and libipcf.so.0 are not symlinks"
"$prefix/bin/ipcf" version | grep -q "$ver" || fail "bin/ipcf version does not say $ver"

# The example with pkg-config: only the prefix's header and library.
ex="$prefix/share/doc/ipcf/examples/pcf_example.c"
# shellcheck disable=SC2046
$cc -std=c11 -Wall -Wextra -Werror "$ex" $(pkg-config --cflags --libs ipcf) \
  -lm -Wl,-rpath,"$libdir" -o "$work/pcf_example_pc"
env -u LD_LIBRARY_PATH ldd "$work/pcf_example_pc" | grep -q "libipcf.so.0 => $libdir/" || fail "pkg-config build: libipcf.so.0 not from $libdir"
env -u LD_LIBRARY_PATH "$work/pcf_example_pc" "$conf/pcf_basic.input.npy" "$conf/pcf_basic.expected.npy" 4 16 16 \
  "$work/out.npy" | grep PASS || fail "pkg-config build of the example: pcf_basic failed"
test -s "$work/out.npy" || fail "the example wrote no result"

# The example with find_package (tests/cmake).
cmake -S "$here" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
grep -q "IPCF_EXAMPLE:FILEPATH=$ex" "$work/consumer/CMakeCache.txt" || fail "find_package build: not the installed example"
env -u LD_LIBRARY_PATH "$work/consumer/consumer"
env -u LD_LIBRARY_PATH "$work/consumer/pcf_example" "$conf/pcf_basic.input.npy" "$conf/pcf_basic.expected.npy" 4 16 16 \
  | grep PASS || fail "find_package build of the example: pcf_basic failed"
echo "check_prefix: $prefix: ok"
