// `--nproc-per-node N` without torchrun: start N copies of this very command line as the ranks
// of a local data-parallel run (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT set as
// torchrun sets them), wait for them, and stop the others when one fails.
#pragma once

namespace lpo::cli {

/// Runs the current process's command line (/proc/self/cmdline) N times with --nproc-per-node
/// removed and `--threads` set to cores / N unless given. Returns 0 when every rank exits 0;
/// otherwise names the first rank that failed (exit status or signal) on stderr, sends SIGTERM
/// to the rest (SIGKILL after `grace_seconds`) and returns 1. SIGTERM/SIGINT received here are
/// passed on to the ranks.
int launch_local_workers(int nproc, int grace_seconds);

}  // namespace lpo::cli
