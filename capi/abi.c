// The exported C ABI: every function of include/ipcf.h is defined here, in
// C. Functions that need Go call the //export ipcfgo_* functions of
// capi.go and file.go, which capi/exports.map keeps out of the dynamic
// symbol table.
//
// Why C first: a Go runtime does not survive fork(). Its threads are gone in
// the child, so the first call into Go can block forever (golang/go#15538).
// A pthread_atfork child handler sets ipcf_forked, and every export tests
// it (ipcf_in_child) before it could enter Go, returning IPCF_E_FORKED with
// a message instead of hanging. A child made without the fork handlers
// (_Fork(), the raw fork system call) is told by its process id, which the
// library's constructor keeps. Constants (versions, struct sizes, status strings) are
// answered in C and keep working in a child.
//
// Each wrapper's prototype is checked against ipcf.h by the compiler (the
// definition must match the declaration), and each Go export's type against
// the wrapper by a _Static_assert, so neither side can drift.
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../include/ipcf.h"
#include "_cgo_export.h"

void ipcf_set_error(const char *msg, size_t n);
void ipcf_set_error_signal(const char *msg, size_t n);
int ipcf_writable(void *p, size_t n);
void ipcf_unwritable(const char *fn, const void *p);

static volatile sig_atomic_t ipcf_forked;
static pid_t ipcf_pid;

static void ipcf_atfork_child(void) { ipcf_forked = 1; }

__attribute__((constructor)) static void ipcf_fork_init(void) {
	ipcf_pid = getpid();
	pthread_atfork(NULL, NULL, ipcf_atfork_child);
}

// ipcf_in_child reports whether this process is a child forked after the
// library was loaded (getpid is a system call of some 50 ns).
static int ipcf_in_child(void) { return ipcf_forked || getpid() != ipcf_pid; }

// ipcf_callback_returned_in_child: a callback that forked returns into Go
// frames in the child, where the runtime's threads are gone: end the child
// with a message rather than hang (F7).
void ipcf_callback_returned_in_child(void) {
	if (!ipcf_in_child()) return;
	static const char m[] = "ipcf: a child forked inside a callback returned into the library, which cannot run after fork(): the child exits (status 70)\n";
	ssize_t r = write(2, m, sizeof m - 1);
	(void)r;
	_exit(70);
}

// ipcf_fork_refuse records why a call in a forked child is refused.
static ipcf_status ipcf_fork_refuse(const char *fn) {
	static const char why[] = ": called in a child process after fork(); the Go runtime does not survive fork "
	                          "(load the library after fork, or start workers with spawn or forkserver)";
	char msg[256];
	size_t n = strlen(fn);
	if (n > 64) n = 64;
	memcpy(msg, fn, n);
	memcpy(msg + n, why, sizeof why);
	ipcf_set_error(msg, n + sizeof why - 1);
	return IPCF_E_FORKED;
}

// ipcf_low_refuse records why a pointer argument below 64 KiB is refused:
// no process maps memory there (Linux's mmap_min_addr), so it is no
// struct's, array's or string's, and a fault there read as a nil
// pointer's, the library's own bug (IPCF_E_INTERNAL); &p->field of a NULL
// p is such a pointer. Buffers that come with a length are not checked
// here (an empty one may be a dangling pointer: Rust's, for one).
static ipcf_status ipcf_low_refuse(const char *fn, const char *arg, const void *p) {
	char msg[320];
	int n = snprintf(msg, sizeof msg,
	                 "%s: %s is %p, below 64 KiB, where no process maps memory: not valid memory "
	                 "(a field of a NULL struct?)",
	                 fn, arg, p);
	ipcf_set_error(msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
	return IPCF_E_INVALID_ARGUMENT;
}

// ipcf_size_refuse records why an initialiser's size below struct_size's
// is refused.
static void ipcf_size_refuse(const char *fn, size_t size) {
	char msg[256];
	int n = snprintf(msg, sizeof msg, "%s_size: size %zu: want the struct's size, sizeof of it (at least 4)", fn, size);
	ipcf_set_error(msg, n < 0 ? 0 : (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}

// IPCF_LOW refuses the pointer argument p of ipcf_name when it is below
// 64 KiB and not NULL (NULL is each function's own case).
#define IPCF_LOW(name, p)                                                                         \
	do {                                                                                          \
		if ((p) && (uintptr_t)(const void *)(p) < 65536)                                          \
			return ipcf_low_refuse("ipcf_" #name, #p, (const void *)(p));                          \
	} while (0)

// IPCF_LOW_BUF refuses the buffer argument p of ipcf_name that comes with
// the length n, when n > 0 and p is below 64 KiB (it was read or written
// as a nil pointer: IPCF_E_INTERNAL, "a bug"); an empty one is not read,
// whatever its pointer.
#define IPCF_LOW_BUF(name, p, n)                                                                  \
	do {                                                                                          \
		if ((n) > 0) IPCF_LOW(name, p);                                                           \
	} while (0)

#define IPCF_SAME_TYPE(name)                                                                      \
	_Static_assert(__builtin_types_compatible_p(__typeof__(ipcfgo_##name), __typeof__(ipcf_##name)), \
	               "ipcfgo_" #name " (Go) differs from ipcf_" #name " in ipcf.h")

void ipcf_pcf_enter(void); /* errbuf.c: this thread's pCF calls */
void ipcf_pcf_leave(void);

#define IPCF_FORK_CHECK(name)                                                                     \
	do {                                                                                          \
		if (ipcf_in_child()) return ipcf_fork_refuse("ipcf_" #name);                                  \
	} while (0)

// --- constants, answered in C ---

int32_t ipcf_version_number(void) { return IPCF_VERSION_NUMBER; }
int32_t ipcf_max_ndim(void) { return IPCF_MAX_NDIM; }
size_t ipcf_array_struct_size(void) { return sizeof(ipcf_array); }
size_t ipcf_pcf_options_struct_size(void) { return sizeof(ipcf_pcf_options); }
size_t ipcf_bleach_options_struct_size(void) { return sizeof(ipcf_bleach_options); }
size_t ipcf_simulate_options_struct_size(void) { return sizeof(ipcf_simulate_options); }
size_t ipcf_source_options_struct_size(void) { return sizeof(ipcf_source_options); }
size_t ipcf_job_options_struct_size(void) { return sizeof(ipcf_job_options); }
size_t ipcf_job_summary_struct_size(void) { return sizeof(ipcf_job_summary); }
size_t ipcf_fit_options_struct_size(void) { return sizeof(ipcf_fit_options); }

static const char *const ipcf_status_text[] = {
	"ok", "invalid argument", "bad handle", "buffer too small", "unsupported layout",
	"out of memory", "cancelled", "internal error", "no usable device", "input/output error",
	"output busy", "called after fork",
};

const char *ipcf_status_string(ipcf_status s) {
	if (s < 0 || (size_t)s >= sizeof ipcf_status_text / sizeof ipcf_status_text[0]) return "unknown status";
	return ipcf_status_text[s];
}

#define IPCF_XSTR(x) #x
#define IPCF_STR(x) IPCF_XSTR(x)

// The Go string is static; remember it so that a child can still answer.
static const char *volatile ipcf_version_text;

const char *ipcf_version_string(void) {
	if (ipcf_in_child()) {
		const char *v = ipcf_version_text;
		return v ? v : IPCF_STR(IPCF_VERSION_MAJOR) "." IPCF_STR(IPCF_VERSION_MINOR) "." IPCF_STR(IPCF_VERSION_PATCH);
	}
	const char *v = ipcfgo_version_string();
	ipcf_version_text = v;
	return v;
}
IPCF_SAME_TYPE(version_string);

// --- void initialisers: in a child they zero the struct and set struct_size,
// so nothing uninitialised is read; every later call is refused anyway ---

#define IPCF_INIT(name, type)                                                                  \
	static void ipcf_##name##_sized(type *o, size_t size) {                                \
		if (!o) return;                                                                    \
		if ((uintptr_t)(const void *)o < 65536) {                                          \
			/* &p->field of a NULL p: ignored as NULL is, and said (it aborted the     \
			 * host: a campaign) */                                                    \
			ipcf_low_refuse("ipcf_" #name, "the struct", o);                           \
			return;                                                                    \
		}                                                                                  \
		if (size < sizeof o->struct_size) {                                                \
			ipcf_size_refuse("ipcf_" #name, size);                                     \
			return;                                                                    \
		}                                                                                  \
		/* no more than the caller's struct: one of an older header is smaller */         \
		size_t n = size < sizeof *o ? size : sizeof *o;                                    \
		if (!ipcf_writable(o, n)) {                                                        \
			/* read-only memory: its write ended the host */                           \
			ipcf_unwritable("ipcf_" #name, o);                                         \
			return;                                                                    \
		}                                                                                  \
		type d;                                                                            \
		if (ipcf_in_child()) {                                                             \
			ipcf_fork_refuse("ipcf_" #name);                                           \
			memset(&d, 0, sizeof d);                                                   \
		} else {                                                                           \
			ipcfgo_##name(&d);                                                         \
		}                                                                                  \
		d.struct_size = (uint32_t)n;                                                       \
		memcpy(o, &d, n);                                                                  \
	}                                                                                          \
	/* (parenthesised: ipcf.h's macro of the same name passes the size) */                    \
	void(ipcf_##name)(type * o) { ipcf_##name##_sized(o, sizeof *o); }                        \
	void ipcf_##name##_size(type *o, size_t size) { ipcf_##name##_sized(o, size); }           \
	_Static_assert(sizeof(type) <= 4096, "ipcf_writable copies at most 4 KiB");               \
	IPCF_SAME_TYPE(name)

IPCF_INIT(pcf_options_init, ipcf_pcf_options);
IPCF_INIT(bleach_options_init, ipcf_bleach_options);
IPCF_INIT(simulate_options_init, ipcf_simulate_options);
IPCF_INIT(source_options_init, ipcf_source_options);
IPCF_INIT(job_options_init, ipcf_job_options);
IPCF_INIT(fit_options_init, ipcf_fit_options);

// --- everything else: check, then Go ---

ipcf_status ipcf_devices(char *buf, size_t len) {
	IPCF_FORK_CHECK(devices);
	IPCF_LOW_BUF(devices, buf, len);
	return ipcfgo_devices(buf, len);
}
IPCF_SAME_TYPE(devices);

// The device note, kept here by ipcf_note_store (the Go side's pcf.OnNote
// hook) so that reading it never enters Go: a binding reads it after
// every pCF, and a call into Go costs far more than the copy.
static pthread_mutex_t ipcf_note_mu = PTHREAD_MUTEX_INITIALIZER;
static char *ipcf_note;
static size_t ipcf_note_len;

void ipcf_note_store(const char *s, size_t n) {
	pthread_mutex_lock(&ipcf_note_mu);
	char *p = realloc(ipcf_note, n + 1);
	if (p) {  // out of memory: the previous note stays
		if (n) memcpy(p, s, n);
		p[n] = 0;
		ipcf_note = p;
		ipcf_note_len = n;
	}
	pthread_mutex_unlock(&ipcf_note_mu);
}

ipcf_status ipcf_last_device_note(char *buf, size_t len) {
	IPCF_FORK_CHECK(last_device_note);
	char msg[160];
	if (!buf || len == 0) {
		int k = snprintf(msg, sizeof msg, "ipcf_last_device_note: buf is NULL or len is 0");
		ipcf_set_error(msg, (size_t)k);
		return IPCF_E_INVALID_ARGUMENT;
	}
	IPCF_LOW(last_device_note, buf);
	// Written into buf by the Go side, where a fault in caller memory (a
	// read-only buffer) is an error, not the end of the host (it was a
	// plain memcpy: SIGSEGV).
	return ipcfgo_last_device_note(buf, len);
}
IPCF_SAME_TYPE(last_device_note);

// ipcf_note_snapshot returns a copy of the device note (malloc'd, its
// length in *n; NULL out of memory), taken under the note's lock.
char *ipcf_note_snapshot(size_t *n) {
	pthread_mutex_lock(&ipcf_note_mu);
	*n = ipcf_note_len;
	char *snap = malloc(*n + 1);
	if (snap && *n) memcpy(snap, ipcf_note, *n);
	pthread_mutex_unlock(&ipcf_note_mu);
	return snap;
}

ipcf_status ipcf_array_init_contiguous(ipcf_array *a, uint32_t dtype, uint32_t ndim, const int64_t *shape,
                                       void *data) {
	IPCF_FORK_CHECK(array_init_contiguous);
	IPCF_LOW(array_init_contiguous, a);
	IPCF_LOW_BUF(array_init_contiguous, shape, ndim);
	return ipcfgo_array_init_contiguous(a, dtype, ndim, shape, data);
}
IPCF_SAME_TYPE(array_init_contiguous);

ipcf_status ipcf_token_create(ipcf_token *token) {
	IPCF_FORK_CHECK(token_create);
	IPCF_LOW(token_create, token);
	return ipcfgo_token_create(token);
}
IPCF_SAME_TYPE(token_create);

// --- tokens: their state lives here, in C ---
//
// Cancelling is what a SIGINT handler does, and a call into the Go runtime
// from a signal handler can abort the process ("fatal error: morestack on
// g0", seen with Ctrl+C pressed twice). So ipcf_token_cancel is C that
// touches only this table: one atomic word a token, async-signal-safe for a
// token that exists. A slot's word is token << 2 | destroyed << 1 |
// cancelled (0: never used); a token's low IPCF_TOKEN_BITS bits are its
// slot, the rest a serial number, so a slot taken again never answers for
// an earlier token. A destroyed token's word stays until its slot is taken
// again (after the other 65,535 slots): a call still running with it
// stays cancelled if it was.
#define IPCF_TOKEN_BITS 16
#define IPCF_TOKEN_MASK ((UINT64_C(1) << IPCF_TOKEN_BITS) - 1)
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "tokens need lock-free 64-bit atomics (async-signal-safe cancel)");
static _Atomic uint64_t ipcf_tokens[UINT64_C(1) << IPCF_TOKEN_BITS];

// ipcf_tok_claim takes the slot of token t, unless a live token holds it
// (taken: 1; not: 0), or unless any is 0 and a destroyed token that was
// cancelled holds it: a call may still run with that one, and would lose
// its cancellation (CAPI14's F2). Those slots are taken last.
int ipcf_tok_claim(uint64_t t, int any) {
	_Atomic uint64_t *s = &ipcf_tokens[t & IPCF_TOKEN_MASK];
	uint64_t w = atomic_load(s);
	do {
		if (w != 0 && !(w & 2)) return 0;
		if (!any && (w & 1)) return 0;
	} while (!atomic_compare_exchange_weak(s, &w, t << 2));
	return 1;
}

// ipcf_tok_state: -1 for no such token (never made, or its slot taken
// since), else its bits: 1 cancelled, 2 destroyed.
int ipcf_tok_state(uint64_t t) {
	uint64_t w = atomic_load(&ipcf_tokens[t & IPCF_TOKEN_MASK]);
	if (t == 0 || w >> 2 != t) return -1;
	return (int)(w & 3);
}

// ipcf_tok_set sets bit (1 cancel, 2 destroy) of live token t (1), or
// finds no live token t (0).
static int ipcf_tok_set(uint64_t t, uint64_t bit) {
	_Atomic uint64_t *s = &ipcf_tokens[t & IPCF_TOKEN_MASK];
	uint64_t w = atomic_load(s);
	do {
		if (t == 0 || w >> 2 != t || (w & 2)) return 0;
	} while (!atomic_compare_exchange_weak(s, &w, w | bit));
	return 1;
}

int ipcf_tok_cancel(uint64_t t) { return ipcf_tok_set(t, 1); }
int ipcf_tok_release(uint64_t t) { return ipcf_tok_set(t, 2); }

ipcf_status ipcf_token_cancel(ipcf_token token) {
	IPCF_FORK_CHECK(token_cancel);
	if (ipcf_tok_cancel(token)) return IPCF_OK;
	// A bad handle: the message made here, never through the Go runtime,
	// which a signal handler must not enter (a token destroyed just as
	// Ctrl+C came, a normal race, ended the host with SIGSEGV: a
	// campaign). No stdio either: the digits by hand.
	static const char head[] = "ipcf_token_cancel: token ", tail[] = " is unknown or destroyed",
	                  zero[] = "ipcf_token_cancel: token 0 is no token";
	char msg[sizeof head + 20 + sizeof tail], digits[20];
	size_t n = 0, k = 0;
	if (token == 0) {
		ipcf_set_error_signal(zero, sizeof zero - 1);
		return IPCF_E_BAD_HANDLE;
	}
	for (uint64_t v = token; v; v /= 10) digits[k++] = (char)('0' + v % 10);
	memcpy(msg, head, sizeof head - 1), n = sizeof head - 1;
	while (k) msg[n++] = digits[--k];
	memcpy(msg + n, tail, sizeof tail - 1), n += sizeof tail - 1;
	ipcf_set_error_signal(msg, n);
	return IPCF_E_BAD_HANDLE;
}

ipcf_status ipcf_token_destroy(ipcf_token token) {
	IPCF_FORK_CHECK(token_destroy);
	return ipcfgo_token_destroy(token);
}
IPCF_SAME_TYPE(token_destroy);

ipcf_status ipcf_circle(int32_t radius, int32_t npoints, int32_t *uv, size_t len) {
	IPCF_FORK_CHECK(circle);
	IPCF_LOW_BUF(circle, uv, len);
	return ipcfgo_circle(radius, npoints, uv, len);
}
IPCF_SAME_TYPE(circle);

ipcf_status ipcf_offsets(int32_t kind, int32_t radius, int32_t npoints, int32_t *uv, size_t cap, size_t *count) {
	IPCF_FORK_CHECK(offsets);
	IPCF_LOW(offsets, count);
	IPCF_LOW_BUF(offsets, uv, cap);
	return ipcfgo_offsets(kind, radius, npoints, uv, cap, count);
}
IPCF_SAME_TYPE(offsets);

ipcf_status ipcf_logbins(int64_t size, int32_t nbins, int64_t *bins, size_t cap, size_t *count) {
	IPCF_FORK_CHECK(logbins);
	IPCF_LOW(logbins, count);
	IPCF_LOW_BUF(logbins, bins, cap);
	return ipcfgo_logbins(size, nbins, bins, cap, count);
}
IPCF_SAME_TYPE(logbins);

ipcf_status ipcf_correlate(const ipcf_array *a, const ipcf_array *b, int32_t mode, ipcf_array *out) {
	IPCF_FORK_CHECK(correlate);
	IPCF_LOW(correlate, a);
	IPCF_LOW(correlate, b);
	IPCF_LOW(correlate, out);
	return ipcfgo_correlate(a, b, mode, out);
}
IPCF_SAME_TYPE(correlate);

ipcf_status ipcf_pcf_delays(const ipcf_array *data, const ipcf_pcf_options *options, double *delays, size_t cap,
                            size_t *count) {
	IPCF_FORK_CHECK(pcf_delays);
	IPCF_LOW(pcf_delays, data);
	IPCF_LOW(pcf_delays, options);
	IPCF_LOW(pcf_delays, count);
	IPCF_LOW_BUF(pcf_delays, delays, cap);
	return ipcfgo_pcf_delays(data, options, delays, cap, count);
}
IPCF_SAME_TYPE(pcf_delays);

ipcf_status ipcf_pcf_output_shape(const ipcf_array *data, const ipcf_pcf_options *options, int64_t *shape) {
	IPCF_FORK_CHECK(pcf_output_shape);
	IPCF_LOW(pcf_output_shape, data);
	IPCF_LOW(pcf_output_shape, options);
	IPCF_LOW(pcf_output_shape, shape);
	return ipcfgo_pcf_output_shape(data, options, shape);
}
IPCF_SAME_TYPE(pcf_output_shape);

ipcf_status ipcf_pcf_compute(const ipcf_array *data, const ipcf_pcf_options *options, ipcf_array *out) {
	IPCF_FORK_CHECK(pcf_compute);
	IPCF_LOW(pcf_compute, data);
	IPCF_LOW(pcf_compute, options);
	IPCF_LOW(pcf_compute, out);
	ipcf_pcf_enter();
	ipcf_status st = ipcfgo_pcf_compute(data, options, out);
	ipcf_pcf_leave();
	return st;
}
IPCF_SAME_TYPE(pcf_compute);

ipcf_status ipcf_pcf_errors(const ipcf_array *data, const ipcf_pcf_options *options, int32_t method, int32_t segments,
                            ipcf_array *sd) {
	IPCF_FORK_CHECK(pcf_errors);
	IPCF_LOW(pcf_errors, data);
	IPCF_LOW(pcf_errors, options);
	IPCF_LOW(pcf_errors, sd);
	return ipcfgo_pcf_errors(data, options, method, segments, sd);
}
IPCF_SAME_TYPE(pcf_errors);

ipcf_status ipcf_pcf_file(const char *input, const ipcf_source_options *source, const char *output,
                          const ipcf_pcf_options *options, const ipcf_job_options *job, ipcf_job_summary *summary) {
	IPCF_FORK_CHECK(pcf_file);
	IPCF_LOW(pcf_file, input);
	IPCF_LOW(pcf_file, source);
	IPCF_LOW(pcf_file, output);
	IPCF_LOW(pcf_file, options);
	IPCF_LOW(pcf_file, job);
	IPCF_LOW(pcf_file, summary);
	if (summary) {
		// An output: checked before the job, whose output was published
		// when the summary's write then failed (CAPIJOB20's F1).
		// (a struct_size out of range is refused, naming it, by the call)
		int ok = ipcf_writable(summary, sizeof summary->struct_size);
		if (ok) {
			size_t n = summary->struct_size < sizeof *summary ? summary->struct_size : sizeof *summary;
			if (n > sizeof summary->struct_size) ok = ipcf_writable(summary, n);
		}
		if (!ok) {
			char msg[240];
			int k = snprintf(msg, sizeof msg,
			                 "ipcf_pcf_file: the summary at %p cannot be written (read-only or unmapped memory): "
			                 "nothing was done",
			                 (void *)summary);
			ipcf_set_error(msg, k < 0 ? 0 : (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
			return IPCF_E_INVALID_ARGUMENT;
		}
	}
	ipcf_pcf_enter();
	ipcf_status st = ipcfgo_pcf_file(input, source, output, options, job, summary);
	ipcf_pcf_leave();
	return st;
}
IPCF_SAME_TYPE(pcf_file);

ipcf_status ipcf_correct_bleaching(const ipcf_array *data, const ipcf_bleach_options *options, ipcf_array *out) {
	IPCF_FORK_CHECK(correct_bleaching);
	IPCF_LOW(correct_bleaching, data);
	IPCF_LOW(correct_bleaching, options);
	IPCF_LOW(correct_bleaching, out);
	return ipcfgo_correct_bleaching(data, options, out);
}
IPCF_SAME_TYPE(correct_bleaching);

ipcf_status ipcf_check_units(double pixel_size, double frame_interval) {
	IPCF_FORK_CHECK(check_units);
	return ipcfgo_check_units(pixel_size, frame_interval);
}
IPCF_SAME_TYPE(check_units);

ipcf_status ipcf_check_counts(const ipcf_array *data, int32_t *counts, char *buf, size_t len) {
	IPCF_FORK_CHECK(check_counts);
	IPCF_LOW(check_counts, data);
	IPCF_LOW(check_counts, counts);
	IPCF_LOW_BUF(check_counts, buf, len);
	return ipcfgo_check_counts(data, counts, buf, len);
}
IPCF_SAME_TYPE(check_counts);

ipcf_status ipcf_file_crc32c(const char *path, uint32_t *crc, int64_t *bytes) {
	IPCF_FORK_CHECK(file_crc32c);
	IPCF_LOW(file_crc32c, path);
	IPCF_LOW(file_crc32c, crc);
	IPCF_LOW(file_crc32c, bytes);
	return ipcfgo_file_crc32c(path, crc, bytes);
}
IPCF_SAME_TYPE(file_crc32c);

ipcf_status ipcf_lock_holder(const char *output, char *buf, size_t len, int32_t *state) {
	IPCF_FORK_CHECK(lock_holder);
	IPCF_LOW(lock_holder, output);
	IPCF_LOW(lock_holder, state);
	IPCF_LOW_BUF(lock_holder, buf, len);
	return ipcfgo_lock_holder(output, buf, len, state);
}
IPCF_SAME_TYPE(lock_holder);

ipcf_status ipcf_unit_scale(const char *unit, int32_t kind, double *scale) {
	IPCF_FORK_CHECK(unit_scale);
	IPCF_LOW(unit_scale, unit);
	IPCF_LOW(unit_scale, scale);
	return ipcfgo_unit_scale(unit, kind, scale);
}
IPCF_SAME_TYPE(unit_scale);

ipcf_status ipcf_file_units(const char *path, double *pixel_size, double *frame_interval, char *note, size_t len) {
	IPCF_FORK_CHECK(file_units);
	IPCF_LOW(file_units, path);
	IPCF_LOW(file_units, pixel_size);
	IPCF_LOW(file_units, frame_interval);
	IPCF_LOW_BUF(file_units, note, len);
	return ipcfgo_file_units(path, pixel_size, frame_interval, note, len);
}
IPCF_SAME_TYPE(file_units);

ipcf_status ipcf_square_pixels(double width, double height, int32_t *square) {
	IPCF_FORK_CHECK(square_pixels);
	IPCF_LOW(square_pixels, square);
	return ipcfgo_square_pixels(width, height, square);
}
IPCF_SAME_TYPE(square_pixels);

ipcf_status ipcf_crc32c(const void *data, size_t len, uint32_t *crc) {
	IPCF_FORK_CHECK(crc32c);
	IPCF_LOW(crc32c, crc);
	IPCF_LOW_BUF(crc32c, data, len);
	return ipcfgo_crc32c(data, len, crc);
}
IPCF_SAME_TYPE(crc32c);

ipcf_status ipcf_check_metadata(const void *text, size_t len) {
	IPCF_FORK_CHECK(check_metadata);
	IPCF_LOW_BUF(check_metadata, text, len);
	return ipcfgo_check_metadata(text, len);
}
IPCF_SAME_TYPE(check_metadata);

ipcf_status ipcf_convolve2d(const ipcf_array *image, const ipcf_array *kernel, ipcf_array *out) {
	IPCF_FORK_CHECK(convolve2d);
	IPCF_LOW(convolve2d, image);
	IPCF_LOW(convolve2d, kernel);
	IPCF_LOW(convolve2d, out);
	return ipcfgo_convolve2d(image, kernel, out);
}
IPCF_SAME_TYPE(convolve2d);

ipcf_status ipcf_simulate(const ipcf_simulate_options *options, ipcf_array *out) {
	IPCF_FORK_CHECK(simulate);
	IPCF_LOW(simulate, options);
	IPCF_LOW(simulate, out);
	return ipcfgo_simulate(options, out);
}
IPCF_SAME_TYPE(simulate);

ipcf_status ipcf_fit_nparams(const ipcf_fit_options *options, const int32_t *offsets, int64_t noffsets, int32_t *nparams,
                             char *names, size_t cap) {
	IPCF_FORK_CHECK(fit_nparams);
	IPCF_LOW(fit_nparams, options);
	IPCF_LOW(fit_nparams, nparams);
	IPCF_LOW_BUF(fit_nparams, offsets, noffsets);
	IPCF_LOW_BUF(fit_nparams, names, cap);
	return ipcfgo_fit_nparams(options, offsets, noffsets, nparams, names, cap);
}
IPCF_SAME_TYPE(fit_nparams);

ipcf_status ipcf_fit(const ipcf_array *curves, const double *delays, const int32_t *offsets, const ipcf_array *sigma,
                     const ipcf_fit_options *options, ipcf_array *params, ipcf_array *stderr_, ipcf_array *chisq,
                     ipcf_array *status) {
	IPCF_FORK_CHECK(fit);
	IPCF_LOW(fit, curves);
	IPCF_LOW(fit, sigma);
	IPCF_LOW(fit, options);
	IPCF_LOW(fit, params);
	IPCF_LOW(fit, stderr_);
	IPCF_LOW(fit, chisq);
	IPCF_LOW(fit, status);
	IPCF_LOW(fit, delays);  // (their lengths are the curves' shape, read in Go)
	IPCF_LOW(fit, offsets);
	return ipcfgo_fit(curves, delays, offsets, sigma, options, params, stderr_, chisq, status);
}
IPCF_SAME_TYPE(fit);
