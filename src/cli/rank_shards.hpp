// `lpo ref-logprobs` and `lpo sample` under torchrun, srun or --nproc-per-node: each rank works
// on its shard (rank / world size, as --shard would), writes OUT.rank<r>, and once every rank
// has finished rank 0 merges the parts into OUT exactly as `lpo merge` does (the merged file
// equals a single-process run's) and removes them.
#pragma once
#include <functional>
#include <string>
#include <utility>

namespace lpo::cli {

/// Runs `work(shard_index, shard_count, path)`. In a single process: (I, N) from `shard_flag`
/// ("I/N") and path = out. With WORLD_SIZE / SLURM_NTASKS > 1: (rank, world), path =
/// out + ".rank<r>", then a barrier over c10d (`timeout_s` seconds) and rank 0's merge.
/// Throws lpo::Error when --shard is combined with a distributed launch.
void run_rank_shards(const std::string& shard_flag, const std::string& out, int timeout_s,
                     const std::function<void(int, int, const std::string&)>& work);

}  // namespace lpo::cli
