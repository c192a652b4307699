import Foundation

/// The sanitizer the suite runs under, if any (`scripts/sanitize.sh` sets VAE_SANITIZER). The two tests that
/// train a whole MNIST epoch to hold pinned figures skip themselves there: they check rounding, which the
/// plain suite does, and the sanitizers check memory and threads on the same code in the smaller runs.
public let runningUnderSanitizer: String? = ProcessInfo.processInfo.environment["VAE_SANITIZER"]
