#include "util/stop_signal.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstring>
#include <mutex>

namespace lpo {
namespace {

std::atomic<int> g_signal{0};
std::mutex g_mutex;
int g_depth = 0;  // nested StopSignal scopes; the outermost installs the handlers
struct sigaction g_old_term, g_old_int;

extern "C" void on_stop_signal(int sig) {
  int expected = 0;
  if (!g_signal.compare_exchange_strong(expected, sig)) _exit(128 + sig);  // the second signal
  static const char msg[] =
      "\nlpo: stop requested; finishing the current step and saving (signal again to exit now)\n";
  ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
}

}  // namespace

StopSignal::StopSignal() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_depth++ > 0) return;
  g_signal = 0;
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, &g_old_term);
  sigaction(SIGINT, &sa, &g_old_int);
}

StopSignal::~StopSignal() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (--g_depth > 0) return;
  sigaction(SIGTERM, &g_old_term, nullptr);
  sigaction(SIGINT, &g_old_int, nullptr);
}

bool StopSignal::requested() const { return stop_requested(); }
int StopSignal::signal_number() const { return stop_signal_number(); }

bool stop_requested() { return g_signal.load() != 0; }
int stop_signal_number() { return g_signal.load(); }

namespace {
std::string stop_message(int signal, const std::string& where) {
  const char* name = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : strsignal(signal);
  return std::string("stopped by ") + name + " (" + where + "); nothing unfinished was recorded as done: rerun "
         "the same command to continue";
}
}  // namespace

Stopped::Stopped(int signal, const std::string& where) : Error(stop_message(signal, where)), signal_(signal) {}

void throw_if_stopped(const std::string& where) {
  if (stop_requested()) throw Stopped(stop_signal_number(), where);
}

}  // namespace lpo
