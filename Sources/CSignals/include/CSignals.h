#pragma once

/// Installs SIGINT and SIGTERM handlers that only record the signal: long work polls
/// vae_stop_signal() at safe points (a training step's end) and stops there. A second signal while the
/// first is pending ends the process at once with status 128 + signal, as an unhandled signal would.
void vae_install_stop_handlers(void);

/// The signal that asked to stop (SIGINT or SIGTERM), or 0 when none has arrived.
int vae_stop_signal(void);

/// Makes standard output line-buffered even when it is a pipe or a file, so progress lines reach
/// `tee` or a log as they happen rather than when the buffer fills.
void vae_line_buffer_stdout(void);
