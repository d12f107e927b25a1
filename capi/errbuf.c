// Per-thread last-error storage for ipcf_last_error. Each export runs on
// the calling OS thread, so a thread-specific buffer is the caller's.
//
// Not _Thread_local: a Go c-shared library has STATIC_TLS (Go's runtime
// uses the initial-exec model), so every thread-local variable in it is
// carved from glibc's small static TLS surplus, and a 2 KiB buffer made
// dlopen() fail with "cannot allocate memory in static TLS block" (seen
// from Python ctypes). pthread keys allocate on demand instead.
#define _GNU_SOURCE // pipe2, syscall
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
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

int ipcf_writable_pipe_only; // tests: the pipe's path, as under a sandbox

// ipcf_writable reports whether the n bytes at p can be written, without
// a fault and without changing them: the kernel copies them out and back
// (a fault there is EFAULT, not a signal; a copy back cut short by a
// read-only page has written the bytes that were there). An initialiser's
// plain write into read-only memory ended the host with SIGSEGV; it
// returns nothing, so it leaves such a struct as it was and says so
// (ipcf_unwritable). The copies: process_vm_readv and process_vm_writev
// on this process (no descriptor: a process at its limit of descriptors
// is served too, REVIEW7's F2), else, where a sandbox refuses those calls,
// through a pipe. Where neither can be made, the memory is taken as
// writable, as before. n is a struct's size: at most 4 KiB (a pipe's
// capacity at the least).
int ipcf_writable(void *p, size_t n) {
	char buf[4096];
	if (n > sizeof buf) return 1;
#if defined(__linux__) && defined(SYS_process_vm_readv) && defined(SYS_process_vm_writev)
	if (!ipcf_writable_pipe_only) {
		struct iovec local = {buf, n}, remote = {p, n};
		pid_t self = getpid();
		long r = syscall(SYS_process_vm_readv, (long)self, &local, 1L, &remote, 1L, 0L);
		if (r >= 0 || errno == EFAULT) {
			if (r != (long)n) return 0;  // unreadable (a short read: partly)
			r = syscall(SYS_process_vm_writev, (long)self, &local, 1L, &remote, 1L, 0L);
			if (r >= 0 || errno == EFAULT) return r == (long)n;
		}
		// ENOSYS, EPERM (seccomp): the pipe
	}
#endif
	int fd[2];
#ifdef __linux__
	if (pipe2(fd, O_CLOEXEC) != 0) return 1;
#else
	if (pipe(fd) != 0) return 1;
#endif
	int ok = 0;
	ssize_t w;
	do w = write(fd[1], p, n); while (w < 0 && errno == EINTR);
	if (w == (ssize_t)n) {
		size_t got = 0;
		while (got < n) {
			ssize_t r = read(fd[0], (char *)p + got, n - got);
			if (r < 0 && errno == EINTR) continue;
			if (r <= 0) break;
			got += (size_t)r;
		}
		ok = got == n;
	}
	close(fd[0]);
	close(fd[1]);
	return ok;
}

// ipcf_unwritable records that initialiser fn was given a struct at p that
// it cannot write.
void ipcf_unwritable(const char *fn, const void *p) {
	char msg[320];
	int k = snprintf(msg, sizeof msg,
	                 "%s: the struct at %p cannot be written (read-only or unmapped memory, or a struct reaching "
	                 "into such): left as it was",
	                 fn, p);
	ipcf_set_error(msg, k < 0 ? 0 : (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
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
	if (!ipcf_writable(a, sizeof *a)) {
		ipcf_unwritable("ipcf_array_init", a);
		return;
	}
	memset(a, 0, sizeof *a);
	a->struct_size = sizeof *a;
}

void ipcf_callback_returned_in_child(void);

/* The pCF calls (ipcf_pcf_compute, ipcf_pcf_file) of this thread now
 * running: a pCF started from a callback of one (a progress function
 * calling ipcf_pcf_compute: callbacks run on the calling thread) must not
 * wait for a GPU its outer call may hold (CAPI17's F1: the host hung); a
 * pCF from the callback of another call (a bleaching correction) waits as
 * any other (REVIEW18's m10). */
static __thread int ipcf_pcf_calls;

void ipcf_pcf_enter(void) { ipcf_pcf_calls++; }
void ipcf_pcf_leave(void) { ipcf_pcf_calls--; }
int ipcf_pcf_nested(void) { return ipcf_pcf_calls > 1; }

int ipcf_call_progress(ipcf_progress_fn f, void *user, int64_t done, int64_t total) {
	int r = f(user, done, total);
	ipcf_callback_returned_in_child();
	return r;
}

int ipcf_call_job_progress(ipcf_job_progress_fn f, void *user, const char *phase, int64_t done, int64_t total) {
	int r = f(user, phase, done, total);
	ipcf_callback_returned_in_child();
	return r;
}

void ipcf_call_log(ipcf_job_log_fn f, void *user, const char *msg) {
	f(user, msg);
	ipcf_callback_returned_in_child();
}
