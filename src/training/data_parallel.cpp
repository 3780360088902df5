// ProcessGroupGloo.hpp and ProcessGroupNCCL.hpp declare their classes only under
// USE_C10D_GLOO / USE_C10D_NCCL (torch's own build defines them); CMake sets LPO_NCCL when the
// libtorch in use has CUDA and nccl.h is found.
#define USE_C10D_GLOO 1
#if LPO_NCCL
#define USE_C10D_NCCL 1
#endif
#include "training/data_parallel.hpp"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if LPO_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include "util/error.hpp"

namespace lpo::training {
namespace {

// The integer value of environment variable `name`, or `fallback` when unset.
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  check(end && *end == '\0' && x >= 0 && x < (1L << 30), "environment variable ", name, "='", v,
        "' is not a non-negative integer");
  return static_cast<int>(x);
}

std::string env_str(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

DistEnv dist_env_from_environment() {
  DistEnv e;
  if (std::getenv("WORLD_SIZE")) {
    e.world_size = env_int("WORLD_SIZE", 1);
    e.rank = env_int("RANK", 0);
    e.local_rank = env_int("LOCAL_RANK", e.rank);
    e.source = "RANK/WORLD_SIZE";
  } else if (std::getenv("SLURM_NTASKS") && std::getenv("SLURM_PROCID")) {
    e.world_size = env_int("SLURM_NTASKS", 1);
    e.rank = env_int("SLURM_PROCID", 0);
    e.local_rank = env_int("SLURM_LOCALID", 0);
    e.source = "SLURM_PROCID/SLURM_NTASKS";
  }
  e.master_addr = env_str("MASTER_ADDR", e.master_addr);
  e.master_port = env_int("MASTER_PORT", e.master_port);
  check(e.world_size >= 1 && e.rank < e.world_size, e.source, ": rank ", e.rank, " is not below the world size ",
        e.world_size);
  check(e.master_port > 0 && e.master_port < 65536, "MASTER_PORT ", e.master_port, " is not a TCP port");
  return e;
}

// One of the two c10d groups. The same calls on both (torch 1.13 derives them from
// ProcessGroup, 2.x from Backend, so they are held by their own types).
struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#if LPO_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif

  // Gloo here reduces host memory: a GPU tensor goes through a host copy.
  template <typename Op>
  void run(at::Tensor& t, Op op) {
    std::vector<at::Tensor> tensors{t.is_cuda() && !has_nccl() ? t.to(at::kCPU) : t};
#if LPO_NCCL
    if (nccl) {
      op(*nccl, tensors);
      return;
    }
#endif
    op(*gloo, tensors);
    if (!tensors[0].is_same(t)) t.copy_(tensors[0]);
  }
  bool has_nccl() const {
#if LPO_NCCL
    return static_cast<bool>(nccl);
#else
    return false;
#endif
  }
};

namespace {

c10::intrusive_ptr<c10d::ProcessGroupGloo> make_gloo(const c10::intrusive_ptr<c10d::Store>& store, const DistEnv& env,
                                                     std::chrono::milliseconds timeout) {
  auto options = c10d::ProcessGroupGloo::Options::create(timeout);
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                                               : c10d::ProcessGroupGloo::createDefaultDevice());
  options->threads = 2;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
}

}  // namespace

DataParallel::DataParallel(const DistEnv& env, std::chrono::milliseconds timeout, c10::Device device)
    : env_(env), device_(device) {
  if (env.world_size == 1) return;
  group_ = std::make_unique<Group>();
  try {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(env.master_port);
    opts.isServer = env.rank == 0;
    opts.numWorkers = static_cast<size_t>(env.world_size);
    opts.waitWorkers = true;
    opts.timeout = timeout;
    group_->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, opts);
#if LPO_NCCL
    if (device.is_cuda()) {
      c10::cuda::set_device(device.index());  // NCCL binds each rank's communicator to its GPU
      auto options = c10d::ProcessGroupNCCL::Options::create();
      options->timeout = timeout;
      group_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(group_->store, env.rank, env.world_size, options);
    }
#endif
    if (!group_->has_nccl()) group_->gloo = make_gloo(group_->store, env, timeout);
  } catch (const std::exception& e) {
    fail("rank ", env.rank, " of ", env.world_size, ": cannot form the process group through ", env.master_addr, ":",
         env.master_port, " within --dist-timeout ", timeout.count() / 1000, " s (", e.what(),
         "); are all ranks started with the same MASTER_ADDR/MASTER_PORT?");
  }
}

DataParallel::~DataParallel() = default;

std::string DataParallel::backend() const {
  if (!group_) return "none";
  return group_->has_nccl() ? "nccl" : "gloo";
}

void DataParallel::allreduce(at::Tensor& flat) {
  try {
    group_->run(flat, [](auto& pg, std::vector<at::Tensor>& t) { pg.allreduce(t)->wait(); });
  } catch (const std::exception& e) {
    fail("rank ", env_.rank, ": all-reduce failed (", e.what(),
         "); another rank has probably died or timed out — check its log");
  }
}

void DataParallel::average_gradients(const std::vector<at::Tensor>& parameters) {
  if (env_.world_size == 1) return;
  constexpr int64_t kBucketElements = int64_t{25} << 18;  // 25 MB of float32
  std::vector<at::Tensor> bucket;
  int64_t elements = 0;
  auto flush = [&] {
    if (bucket.empty()) return;
    std::vector<at::Tensor> flat_parts;
    for (const auto& g : bucket) flat_parts.push_back(g.reshape(-1).to(at::kFloat));
    at::Tensor flat = at::cat(flat_parts);
    allreduce(flat);
    flat.div_(env_.world_size);
    int64_t offset = 0;
    for (auto& g : bucket) {
      g.copy_(flat.narrow(0, offset, g.numel()).view(g.sizes()));
      offset += g.numel();
    }
    bucket.clear();
    elements = 0;
  };
  for (const auto& p : parameters) {
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);  // this rank's micro-batches were skipped
    at::Tensor g = p.grad();
    bucket.push_back(g);
    elements += g.numel();
    if (elements >= kBucketElements) flush();
  }
  flush();
}

void DataParallel::average(std::vector<double>& values) {
  if (env_.world_size == 1 || values.empty()) return;
  at::Tensor t = at::tensor(values, at::kDouble).to(device_);
  allreduce(t);
  t = t.to(at::kCPU);
  for (size_t i = 0; i < values.size(); ++i) values[i] = t[static_cast<int64_t>(i)].item<double>() / env_.world_size;
}

void DataParallel::broadcast(const std::vector<at::Tensor>& parameters) {
  if (env_.world_size == 1) return;
  at::NoGradGuard no_grad;
  for (const auto& p : parameters) {
    at::Tensor t = p.detach();
    try {
      group_->run(t, [](auto& pg, std::vector<at::Tensor>& ts) { pg.broadcast(ts)->wait(); });
    } catch (const std::exception& e) {
      fail("rank ", env_.rank, ": broadcast of the initial weights failed (", e.what(), ")");
    }
  }
}

void DataParallel::barrier() {
  if (env_.world_size == 1) return;
  at::Tensor t = at::zeros({1}, at::TensorOptions(at::kDouble).device(device_));
  allreduce(t);  // a 1-element all-reduce: Gloo's barrier, with the same error reporting
}

}  // namespace lpo::training
