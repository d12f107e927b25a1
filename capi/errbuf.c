// Per-thread last-error storage for ipcf_last_error. Each export runs on
// the calling OS thread, so _Thread_local is the caller's thread.
#include <string.h>
#include "../include/ipcf.h"

static _Thread_local char ipcf_errbuf[2048];

void ipcf_set_error(const char *msg, size_t n) {
	if (n >= sizeof ipcf_errbuf) n = sizeof ipcf_errbuf - 1;
	memcpy(ipcf_errbuf, msg, n);
	ipcf_errbuf[n] = 0;
}

const char *ipcf_last_error(void) { return ipcf_errbuf; }

void ipcf_array_init(ipcf_array *a) {
	if (!a) return;
	memset(a, 0, sizeof *a);
	a->struct_size = sizeof *a;
}

int ipcf_call_progress(ipcf_progress_fn f, void *user, int64_t done, int64_t total) {
	return f(user, done, total);
}
