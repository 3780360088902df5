// Graceful stop on SIGTERM / SIGINT, as Megatron's exit-signal handler: the first signal asks
// the training loop to finish its step, save a checkpoint and exit 0 (schedulers send SIGTERM
// before they kill); a second one exits at once with 128 + signal.
#pragma once

namespace lpo {

class StopSignal {
 public:
  /// Installs the handlers for SIGTERM and SIGINT; the destructor restores the previous ones.
  /// One instance at a time (a second throws lpo::Error).
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  /// True once a signal has arrived; the number of the first one (0 if none).
  bool requested() const;
  int signal_number() const;
};

}  // namespace lpo
