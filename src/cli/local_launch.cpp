#include "cli/local_launch.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "util/error.hpp"

namespace lpo::cli {
namespace {

std::vector<pid_t> g_children;

extern "C" void forward_signal(int sig) {
  for (pid_t pid : g_children) ::kill(pid, sig);
}

std::vector<std::string> own_command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t start = 0; start < all.size();) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

// The command line without --nproc-per-node, with --threads cores/N unless the user chose.
std::vector<std::string> worker_args(int nproc) {
  std::vector<std::string> in = own_command_line(), out;
  check(in.size() > 1 && (in[1] == "train" || in[1] == "ref-logprobs" || in[1] == "sample"),
        "--nproc-per-node works on an `lpo train`, `ref-logprobs` or `sample` command line only (not inside "
        "`lpo pipeline`); run the pipeline under torchrun or srun instead");
  bool has_threads = false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == "--nproc-per-node") {
      ++i;
      continue;
    }
    if (in[i].rfind("--nproc-per-node=", 0) == 0) continue;
    has_threads = has_threads || in[i] == "--threads" || in[i].rfind("--threads=", 0) == 0;
    out.push_back(in[i]);
  }
  if (!has_threads) {
    const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    out.push_back("--threads");
    out.push_back(std::to_string(std::max(1L, cores / nproc)));
  }
  return out;
}

// A TCP port free on this machine now (the kernel's pick for port 0).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  check(fd >= 0, "--nproc-per-node: cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  ::close(fd);
  check(ok, "--nproc-per-node: cannot find a free TCP port");
  return ntohs(addr.sin_port);
}

pid_t spawn(const std::vector<std::string>& args, int rank, int nproc, int port) {
  const pid_t pid = ::fork();
  check(pid >= 0, "--nproc-per-node: fork failed: ", std::strerror(errno));
  if (pid > 0) return pid;
  ::setenv("RANK", std::to_string(rank).c_str(), 1);
  ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
  ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
  ::setenv("LOCAL_WORLD_SIZE", std::to_string(nproc).c_str(), 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::perror("lpo: exec of a rank failed");
  ::_exit(127);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
                                  ::strsignal(WTERMSIG(status)) + ")";
  return "ended with wait status " + std::to_string(status);
}

}  // namespace

int launch_local_workers(int nproc, int grace_seconds) {
  const std::vector<std::string> args = worker_args(nproc);
  const int port = free_port();
  struct sigaction sa {}, old_term{}, old_int{};
  sa.sa_handler = forward_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGINT, &sa, &old_int);
  for (int r = 0; r < nproc; ++r) g_children.push_back(spawn(args, r, nproc, port));
  int result = 0;
  size_t running = g_children.size();
  auto deadline = std::chrono::steady_clock::time_point::max();
  while (running > 0) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      if (std::chrono::steady_clock::now() > deadline)
        for (pid_t p : g_children) ::kill(p, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    --running;
    const auto it = std::find(g_children.begin(), g_children.end(), pid);
    const int rank = static_cast<int>(it - g_children.begin());
    if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) && result == 0) {
      std::cerr << "lpo: rank " << rank << " (pid " << pid << ") " << describe_status(status)
                << "; stopping the other ranks" << std::endl;
      result = 1;
      for (pid_t p : g_children)
        if (p != pid) ::kill(p, SIGTERM);
      deadline = std::chrono::steady_clock::now() + std::chrono::seconds(grace_seconds);
    }
  }
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGINT, &old_int, nullptr);
  g_children.clear();
  return result;
}

}  // namespace lpo::cli
