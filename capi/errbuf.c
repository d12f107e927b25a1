// Per-thread last-error storage for ipcf_last_error. Each export runs on
// the calling OS thread, so a thread-specific buffer is the caller's.
//
// Not _Thread_local: a Go c-shared library has STATIC_TLS (Go's runtime
// uses the initial-exec model), so every thread-local variable in it is
// carved from glibc's small static TLS surplus, and a 2 KiB buffer made
// dlopen() fail with "cannot allocate memory in static TLS block" (seen
// from Python ctypes). pthread keys allocate on demand instead.
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../include/ipcf.h"

#define IPCF_ERRBUF_SIZE 2048

static pthread_key_t ipcf_errkey;
static pthread_once_t ipcf_erronce = PTHREAD_ONCE_INIT;

static void ipcf_errkey_init(void) { pthread_key_create(&ipcf_errkey, free); }

static char *ipcf_errbuf(int create) {
	pthread_once(&ipcf_erronce, ipcf_errkey_init);
	char *b = pthread_getspecific(ipcf_errkey);
	if (!b && create) {
		b = calloc(1, IPCF_ERRBUF_SIZE);
		if (b) pthread_setspecific(ipcf_errkey, b);
	}
	return b;
}

void ipcf_set_error(const char *msg, size_t n) {
	char *b = ipcf_errbuf(1);
	if (!b) return;
	if (n >= IPCF_ERRBUF_SIZE) {
		// cut before a UTF-8 character, never inside one (hosts that
		// decode strictly, Java's or C++'s, would fail on half of it)
		n = IPCF_ERRBUF_SIZE - 1;
		while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80) n--;
	}
	memcpy(b, msg, n);
	b[n] = 0;
}

// ipcf_set_error_signal is ipcf_set_error for a signal handler: into the
// thread's buffer if it has one (a first buffer would be calloc'd, which a
// handler must not call; the message is then lost, the status stays).
void ipcf_set_error_signal(const char *msg, size_t n) {
	char *b = ipcf_errbuf(0);
	if (!b) return;
	if (n >= IPCF_ERRBUF_SIZE) n = IPCF_ERRBUF_SIZE - 1;
	memcpy(b, msg, n);
	b[n] = 0;
}

const char *ipcf_last_error(void) {
	const char *b = ipcf_errbuf(0);
	return b ? b : "";
}

void ipcf_array_init(ipcf_array *a) {
	if (!a) return;
	if ((uintptr_t)(const void *)a < 65536) {
		// &p->field of a NULL p: ignored as NULL is, and said (it ended
		// the host with SIGSEGV: a campaign)
		static const char msg[] = "ipcf_array_init: the struct is below 64 KiB, where no process maps memory: not "
		                          "valid memory (a field of a NULL struct?)";
		ipcf_set_error(msg, sizeof msg - 1);
		return;
	}
	memset(a, 0, sizeof *a);
	a->struct_size = sizeof *a;
}

int ipcf_call_progress(ipcf_progress_fn f, void *user, int64_t done, int64_t total) {
	return f(user, done, total);
}

int ipcf_call_job_progress(ipcf_job_progress_fn f, void *user, const char *phase, int64_t done, int64_t total) {
	return f(user, phase, done, total);
}

void ipcf_call_log(ipcf_job_log_fn f, void *user, const char *msg) {
	f(user, msg);
}
