#include "CSignals.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// The first stop signal, set by the handler and read by polling. A process-directed signal may be handled on
// any thread, so a SIGINT and a SIGTERM can be handled at once on two: a lock-free atomic (async-signal-safe)
// decides which came first, where a plain sig_atomic_t let both take the first signal's path.
static atomic_int pending_signal = 0;

static void on_stop_signal(int signal_number) {
    int none = 0;
    if (!atomic_compare_exchange_strong(&pending_signal, &none, signal_number)) {
        // A second Ctrl-C: stop now. Only async-signal-safe calls here (write, _exit).
        static const char message[] = "\nvae: stopped at once (second signal); unsaved progress is lost\n";
        ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
        (void)ignored;
        _exit(128 + signal_number);
    }
}

void vae_install_stop_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    // Each stop signal is held back while the handler runs for the other on the same thread, so they never nest.
    sigemptyset(&action.sa_mask);
    sigaddset(&action.sa_mask, SIGINT);
    sigaddset(&action.sa_mask, SIGTERM);
    action.sa_flags = SA_RESTART;  // interrupted reads and writes resume rather than fail with EINTR
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    // A parent may have started us with these signals blocked (the mask survives exec): unblock them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &stop_signals, NULL);
}

int vae_stop_signal(void) { return atomic_load(&pending_signal); }

void vae_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
