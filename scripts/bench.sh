#!/usr/bin/env bash
# bench.sh: the load generator, `sns bench` (follow graph, then a mix of timeline reads and posts), with a heap
# sized for it. All arguments pass through; see `scripts/bench.sh --help`. Examples:
#
#   scripts/bench.sh --start                                 its own 3 x 2 deployment, default mix, 30 s
#   scripts/bench.sh -k 9000 --users 10000 --preload 1000000 against the deployment sns-up.sh started in ./run
#   scripts/bench.sh -k 9000 --mix 0:0:1 --cluster 1         write-only against the users of cluster 1
#
# Environment: SNS_BENCH_HEAP (default 1g): the bench keeps every user's session and HDR histograms.
set -euo pipefail
script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
SNS_HEAP="${SNS_BENCH_HEAP:-1g}" exec "$script_dir/sns" bench "$@"
