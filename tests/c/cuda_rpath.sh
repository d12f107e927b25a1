#!/bin/sh
# A host that loads libipcf.so through a library of its own linked with a
# DT_RPATH (a plugin or MEX file of an older toolchain): the loader searches
# that RPATH first for libipcf's dlopen of libcuda.so.1. A copy cut short
# there was mapped (SIGBUS, the host killed: REVIEW25's F2); it is named as
# cut short and not loaded.
# usage: cuda_rpath.sh LIBIPCF EMULATED_LIBCUDA WORKDIR
set -e
lib=$1 emu=$2 w=$3
rm -rf "$w" && mkdir -p "$w/lib"
cp "$lib" "$w/lib/libipcf.so"
ln -s libipcf.so "$w/lib/libipcf.so.0" # (its soname)
cat > "$w/mid.c" <<'E'
#include <stddef.h>
#include <stdio.h>
#include <string.h>
int ipcf_devices(char *buf, size_t len);
int mid_devices(void) {
    char b[4096] = "";
    ipcf_devices(b, sizeof b);
    printf("%s\n", b);
    return strstr(b, "libcuda.so.1: cut short") ? 0 : 1;
}
E
cat > "$w/host.c" <<'E'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
    if (!h) { printf("dlopen: %s\n", dlerror()); return 3; }
    int (*f)(void) = (int (*)(void))dlsym(h, "mid_devices");
    return f();
}
E
cc -shared -fPIC -o "$w/lib/libmid.so" "$w/mid.c" -L"$w/lib" -lipcf -Wl,--disable-new-dtags,-rpath,"$w/lib"
cc -o "$w/host" "$w/host.c" -ldl
head -c 30000 "$emu" > "$w/lib/libcuda.so.1" # the cut copy, in the RPATH's folder alone
if IPCF_CUDA_LIBDIR= LD_LIBRARY_PATH= "$w/host" "$w/lib/libmid.so" > "$w/out" 2>&1; then
    echo "PASS a cut libcuda.so.1 in a host library's DT_RPATH folder: named, not loaded"
else
    rc=$?
    cat "$w/out"
    echo "FAIL: a cut libcuda.so.1 in a host library's DT_RPATH folder: exit $rc"
    exit 1
fi
