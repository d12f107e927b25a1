/* Loads libipcf with dlopen, as Python ctypes, JNA and MEX do. Prints PASS. */
#include <dlfcn.h>
#include <stdio.h>
#include "ipcf.h"

int main(int argc, char **argv) {
    const char *lib = argc > 1 ? argv[1] : "libipcf.so";
    void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) { printf("FAIL: %s\n", dlerror()); return 1; }
    int32_t (*ver)(void) = (int32_t (*)(void))dlsym(h, "ipcf_version_number");
    ipcf_status (*circle)(int32_t, int32_t, int32_t *, size_t) =
        (ipcf_status (*)(int32_t, int32_t, int32_t *, size_t))dlsym(h, "ipcf_circle");
    void *internal = dlsym(h, "_cgo_panic");
    int32_t uv[8];
    if (!ver || !circle || ver() != IPCF_VERSION_NUMBER || circle(3, 4, uv, 8) != IPCF_OK || uv[2] != 0 || uv[3] != 3) {
        printf("FAIL: symbols or values\n");
        return 1;
    }
    if (internal) { printf("FAIL: non-ipcf symbol _cgo_panic is exported\n"); return 1; }
    printf("PASS\n");
    return 0;
}
