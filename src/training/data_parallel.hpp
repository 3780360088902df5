// Data-parallel training on torch's c10d (ProcessGroupGloo over a TCPStore, or ProcessGroupNCCL
// for CUDA devices when the libtorch in use has it; the engines torch.distributed uses), not a
// home-made one. Every rank holds the whole model, computes its
// share of each global batch, and the gradients are averaged across ranks before clipping and
// the optimizer step, so all ranks keep identical weights (DDP without overlap).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/Device.h>

#include "training/metrics_log.hpp"

namespace lpo::training {

/// Where this process sits in a distributed run, from the environment torchrun and Slurm set.
struct DistEnv {
  int rank = 0, world_size = 1, local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string source = "single process";  // which variables it came from, for messages
};

/// RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR / MASTER_PORT (torchrun), else SLURM_PROCID /
/// SLURM_NTASKS / SLURM_LOCALID with MASTER_ADDR (default: the first host of
/// SLURM_STEP_NODELIST is not resolved here: set MASTER_ADDR) and MASTER_PORT, else a single
/// process. Throws lpo::Error for values that are not integers or out of range.
DistEnv dist_env_from_environment();

class DataParallel {
 public:
  /// world_size 1: no communication at all. Otherwise connects to the TCPStore at
  /// master_addr:master_port (rank 0 serves it) and forms the group: NCCL when `device` is a
  /// GPU and this libtorch has NCCL, else Gloo (GPU tensors then go through host memory). A
  /// rank that cannot reach the others within `timeout` gets an lpo::Error saying so.
  DataParallel(const DistEnv& env, std::chrono::milliseconds timeout, c10::Device device = c10::kCPU);
  ~DataParallel();

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  bool is_main() const { return env_.rank == 0; }
  /// "nccl", "gloo", or "none" (one process).
  std::string backend() const;

  /// Averages every defined gradient across ranks in place (flattened into float32 buckets
  /// of about 25 MB, all-reduced, divided by the world size). Every rank must call it with the
  /// same parameters in the same order.
  void average_gradients(const std::vector<at::Tensor>& parameters);
  /// Averages `values` across ranks in place (float64).
  void average(std::vector<double>& values);
  /// Copies rank 0's parameters to every rank.
  void broadcast(const std::vector<at::Tensor>& parameters);
  /// Waits until every rank has reached this point.
  void barrier();

 private:
  void allreduce(at::Tensor& flat);
  DistEnv env_;
  c10::Device device_;
  struct Group;
  std::unique_ptr<Group> group_;
};

}  // namespace lpo::training
