#include <stdio.h>
#include "ipcf.h"
int main(void) {
    int64_t bins[64];
    size_t n;
    if (ipcf_version_number() != IPCF_VERSION_NUMBER || ipcf_logbins(8192, 32, bins, 64, &n) || n != 30) {
        printf("FAIL\n");
        return 1;
    }
    printf("PASS: ipcf %s via find_package\n", ipcf_version_string());
    return 0;
}
