// One stop policy for every command that runs steps (training, pipeline, demo, sample,
// ref-logprobs, eval): the first SIGTERM / SIGINT asks the work to end at its next safe point
// (training: after the step in flight, with a checkpoint; data steps: at a batch boundary,
// writing nothing that looks finished); a second one exits at once with 128 + signal. Schedulers
// (Slurm at preemption or time limit, Kubernetes at eviction) send SIGTERM before they kill.
//
// A command stopped this way exits with 128 + signal (143 for SIGTERM, 130 for SIGINT, as
// shells report them): "stopped, resumable" — rerunning it continues where it stopped.
#pragma once
#include <string>

#include "util/error.hpp"

namespace lpo {

/// Handlers for SIGTERM and SIGINT for the lifetime of the outermost instance: scopes nest
/// (a pipeline's scope holds the trainings it runs), and only the outermost one installs the
/// handlers, clears the request on entry and restores the previous handlers on exit. An inner
/// scope never re-arms a stop that already arrived.
class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  /// True once a signal has arrived; the number of the first one (0 if none).
  bool requested() const;
  int signal_number() const;
};

/// True once SIGTERM/SIGINT arrived under a StopSignal scope; the first signal's number (0: none).
bool stop_requested();
int stop_signal_number();

/// Thrown at a safe point after a stop request: nothing after it runs, nothing unfinished is
/// recorded as finished. The CLI turns it into exit status exit_code().
class Stopped : public Error {
 public:
  Stopped(int signal, const std::string& where);
  int signal() const { return signal_; }
  int exit_code() const { return 128 + signal_; }

 private:
  int signal_;
};

/// Throws Stopped (naming `where`, e.g. "sample, after 96 of 400 prompts") when a stop was
/// requested; call it between units of work.
void throw_if_stopped(const std::string& where);

}  // namespace lpo
