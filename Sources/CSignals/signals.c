#include "CSignals.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

// sig_atomic_t written from the handler, read by polling: the only state a handler may share safely.
static volatile sig_atomic_t pending_signal = 0;

static void on_stop_signal(int signal_number) {
    if (pending_signal != 0) {
        // A second Ctrl-C: stop now. Only async-signal-safe calls here (write, _exit).
        static const char message[] = "\nvae: stopped at once (second signal); unsaved progress is lost\n";
        ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
        (void)ignored;
        _exit(128 + signal_number);
    }
    pending_signal = signal_number;
}

void vae_install_stop_handlers(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop_signal;
    // Each stop signal is held back while the handler runs for the other, so the two never nest: a SIGINT and
    // a SIGTERM that arrive together are handled one after the other, the second as the second.
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

int vae_stop_signal(void) { return pending_signal; }

void vae_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
