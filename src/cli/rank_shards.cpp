#include "cli/rank_shards.hpp"

#include <cstdio>
#include <vector>

#include "cli/command.hpp"
#include "pipeline/shards.hpp"
#include "training/data_parallel.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace lpo::cli {

void run_rank_shards(const std::string& shard_flag, const std::string& out, int timeout_s,
                     const std::function<void(int, int, const std::string&)>& work) {
  const training::DistEnv env = training::dist_env_from_environment();
  if (env.world_size == 1) {
    const auto [index, count] = parse_shard(shard_flag);
    work(index, count, out);
    return;
  }
  check(shard_flag == "0/1", "--shard ", shard_flag, " cannot be combined with a distributed launch (",
        env.source, "): each rank already takes shard rank/world");
  const std::string part = out + ".rank" + std::to_string(env.rank);
  work(env.rank, env.world_size, part);
  training::DataParallel group(env, std::chrono::seconds(timeout_s));
  group.barrier();  // every part is complete
  if (!group.is_main()) return;
  std::vector<std::string> parts;
  for (int r = 0; r < env.world_size; ++r) parts.push_back(out + ".rank" + std::to_string(r));
  const long n = pipeline::merge_shard_files(parts, out);
  for (const auto& p : parts) std::remove(p.c_str());
  log::info("merged the ", env.world_size, " ranks' parts: ", n, " records in ", out);
}

}  // namespace lpo::cli
