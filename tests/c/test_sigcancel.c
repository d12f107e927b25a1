/* Ctrl+C in a C host: a SIGINT handler calls ipcf_token_cancel. The
 * handler may run on any thread, the library's own included; before the
 * token table moved to C, cancel entered the Go runtime from the signal
 * handler and the process aborted ("fatal error: morestack on g0") when
 * SIGINT came a few times (6 of 6 runs with 5 signals).
 *
 * Here a thread sends SIGINT 40 times, each 15 ms after the one before was
 * handled, while computations run
 * one after another, each with a fresh token: every one returns IPCF_OK or
 * IPCF_E_CANCELLED, some are cancelled, and one after the signals gives the
 * result of a run without them, bit for bit. */
#include <ipcf.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile ipcf_token tok;
static volatile sig_atomic_t nsig, sending = 1;

static volatile ipcf_status last;

static void on_int(int s) {
	(void)s;
	nsig++;
	last = ipcf_token_cancel(tok); /* async-signal-safe, for a destroyed or 0 token too */
}

/* sender sends the 40 SIGINTs, each after the one before was handled:
 * standard signals sent while one is pending merge into it, so 40 kill()s
 * 15 ms apart were counted fewer than 40 times when the process was not
 * scheduled for a while (a loaded CI machine: 2 of 10 runs). A signal not
 * handled within 5 s stops the waiting (the count then says so). */
static void *sender(void *arg) {
	(void)arg;
	for (int i = 0; i < 40; i++) {
		usleep(15000);
		kill(getpid(), SIGINT);
		for (int k = 0; k < 5000 && nsig <= i; k++) usleep(1000);
	}
	sending = 0;
	return NULL;
}

/* running is set by the progress callback of the call cancel_destroy
 * cancels: the call runs with its token from then on. */
static volatile int running;

static int on_progress(void *user, int64_t done, int64_t total) {
	(void)user, (void)done, (void)total;
	running = 1;
	return 0;
}

/* cancel_destroy cancels and destroys the token of a running call: once
 * that call reported progress (it slept 30 ms instead, and the call, not
 * yet started on a loaded machine, then met a destroyed token). */
static void *cancel_destroy(void *arg) {
	(void)arg;
	for (int k = 0; k < 10000 && !running; k++) usleep(1000);
	ipcf_token t = tok;
	if (ipcf_token_cancel(t) != IPCF_OK || ipcf_token_destroy(t) != IPCF_OK) fprintf(stderr, "cancel_destroy: %s\n", ipcf_last_error());
	return NULL;
}

#define CHECK(c)                                                        \
	do {                                                                \
		if (!(c)) {                                                     \
			fprintf(stderr, "FAIL %s:%d: %s (%s)\n", __FILE__, __LINE__, #c, ipcf_last_error()); \
			exit(1);                                                    \
		}                                                               \
	} while (0)

/* counts fills a new uint16 stack of shape sh with pseudo-random counts
 * and describes it in a; the caller frees the returned samples. */
static uint16_t *counts(const int64_t sh[3], ipcf_array *a) {
	size_t n = (size_t)(sh[0] * sh[1] * sh[2]);
	uint16_t *px = malloc(n * sizeof *px);
	CHECK(px != NULL);
	for (size_t i = 0; i < n; i++) px[i] = (uint16_t)(100 + ((i * 2654435761u) >> 26));
	CHECK(ipcf_array_init_contiguous(a, IPCF_DTYPE_UINT16, 3, sh, px) == IPCF_OK);
	return px;
}

int main(void) {
	int64_t sh[3] = {4096, 20, 20};
	ipcf_array in, out;
	uint16_t *px = counts(sh, &in);
	ipcf_pcf_options o;
	ipcf_pcf_options_init(&o);
	o.radius = 3;
	o.npoints = 16;
	o.threads = 2;
	int64_t os[4];
	CHECK(ipcf_pcf_output_shape(&in, &o, os) == IPCF_OK);
	size_t m = (size_t)(os[0] * os[1] * os[2] * os[3]);
	float *want = malloc(m * sizeof *want), *got = malloc(m * sizeof *got);
	CHECK(want && got);
	CHECK(ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, os, want) == IPCF_OK);
	CHECK(ipcf_pcf_compute(&in, &o, &out) == IPCF_OK);
	CHECK(ipcf_array_init_contiguous(&out, IPCF_DTYPE_FLOAT32, 4, os, got) == IPCF_OK);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_int;
	/* SA_ONSTACK, as ipcf.h asks of a handler that may run on the library's
	 * threads: without it the handler ran on a Go stack and corrupted it
	 * under load (2 of 115 runs crashed; a campaign) */
	sa.sa_flags = SA_ONSTACK;
	CHECK(sigaction(SIGINT, &sa, NULL) == 0);
	ipcf_token t;
	CHECK(ipcf_token_create(&t) == IPCF_OK);
	tok = t;
	pthread_t th;
	CHECK(pthread_create(&th, NULL, sender, NULL) == 0);
	int runs = 0, cancelled = 0;
	while (sending) {
		o.token = tok;
		ipcf_status s = ipcf_pcf_compute(&in, &o, &out);
		CHECK(s == IPCF_OK || s == IPCF_E_CANCELLED);
		runs++;
		cancelled += s == IPCF_E_CANCELLED;
		CHECK(ipcf_token_create(&t) == IPCF_OK);
		ipcf_token old = tok;
		tok = t; /* the handler cancels the new one from now on */
		CHECK(ipcf_token_destroy(old) == IPCF_OK);
	}
	CHECK(pthread_join(th, NULL) == 0);
	/* each handled before the next was sent (sender): none merged */
	CHECK(nsig == 40);
	CHECK(cancelled > 0);
	CHECK(ipcf_token_create(&t) == IPCF_OK);
	CHECK(ipcf_token_destroy(tok) == IPCF_OK);
	tok = t;
	o.token = tok;
	CHECK(ipcf_pcf_compute(&in, &o, &out) == IPCF_OK);
	CHECK(memcmp(want, got, m * sizeof *got) == 0);
	/* A destroyed token, and 0, are refused with a message. */
	ipcf_token gone = tok;
	CHECK(ipcf_token_destroy(gone) == IPCF_OK);
	CHECK(ipcf_token_cancel(gone) == IPCF_E_BAD_HANDLE && strstr(ipcf_last_error(), "unknown or destroyed"));
	CHECK(ipcf_token_cancel(0) == IPCF_E_BAD_HANDLE && strstr(ipcf_last_error(), "token 0 is no token"));
	CHECK(ipcf_token_destroy(gone) == IPCF_E_BAD_HANDLE);
	/* The same from the signal handler: a token destroyed just as Ctrl+C
	 * came (a normal race), and 0, entered the Go runtime on the signal
	 * stack and ended the process with SIGSEGV (a campaign). */
	ipcf_token keep;
	CHECK(ipcf_token_create(&keep) == IPCF_OK);
	for (int i = 0; i < 2; i++) {
		tok = i ? 0 : gone;
		last = IPCF_OK;
		int before = nsig;
		CHECK(raise(SIGINT) == 0);
		CHECK(nsig == before + 1 && last == IPCF_E_BAD_HANDLE);
	}
	CHECK(strstr(ipcf_last_error(), "token 0 is no token"));
	/* And delivered to any thread, the library's own included, while
	 * computations run (a process-directed SIGINT): the handler's cancel of
	 * a destroyed token and of 0 never enters the Go runtime; the runs
	 * with a live token of their own finish, bit for bit. */
	for (int i = 0; i < 2; i++) {
		tok = i ? 0 : gone;
		nsig = 0, sending = 1;
		CHECK(pthread_create(&th, NULL, sender, NULL) == 0);
		o.token = keep;
		while (sending) {
			CHECK(ipcf_pcf_compute(&in, &o, &out) == IPCF_OK);
			CHECK(memcmp(want, got, m * sizeof *got) == 0);
		}
		CHECK(pthread_join(th, NULL) == 0);
		CHECK(nsig == 40 && last == IPCF_E_BAD_HANDLE);
	}
	tok = keep;
	/* Cancelled, then destroyed, while a call runs with it: the call stops
	 * cancelled (a destroyed token's cancel stays for the calls using it). */
	int64_t sh2[3] = {16384, 40, 40};
	ipcf_array in2, out2;
	uint16_t *px2 = counts(sh2, &in2);
	o.threads = 1;
	CHECK(ipcf_token_create(&t) == IPCF_OK);
	o.token = t;
	CHECK(ipcf_pcf_output_shape(&in2, &o, os) == IPCF_OK);
	float *big = malloc((size_t)(os[0] * os[1] * os[2] * os[3]) * sizeof *big);
	CHECK(big != NULL);
	CHECK(ipcf_array_init_contiguous(&out2, IPCF_DTYPE_FLOAT32, 4, os, big) == IPCF_OK);
	tok = t;
	o.progress = on_progress;
	pthread_t kd;
	CHECK(pthread_create(&kd, NULL, cancel_destroy, NULL) == 0);
	ipcf_status s2 = ipcf_pcf_compute(&in2, &o, &out2);
	CHECK(pthread_join(kd, NULL) == 0);
	CHECK(s2 == IPCF_E_CANCELLED);
	free(px2);
	free(big);
	printf("PASS: sigcancel (%d runs, %d cancelled by %d SIGINTs)\n", runs, cancelled, (int)nsig);
	free(px);
	free(want);
	free(got);
	return 0;
}
