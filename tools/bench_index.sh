#!/usr/bin/env bash
# Nearest-neighbour search beside FAISS (issue 22's table), on the same vectors in the same run:
# N vectors of dimension D (default 1,000,000 x 128; synthetic, as no public ANN set is reachable
# offline: 1,000 Gaussian centres, each vector a centre plus noise of 1.3 per coordinate, so that
# clusters overlap and IVF needs a dozen lists for recall 0.95) and NQ queries drawn the same way
# (default 10,000), inner product, top-10.
#   exact: `sparserec index` exact kind vs faiss.IndexFlatIP, on the first 1,000 queries;
#   IVF-Flat: nlist NLIST (default 1024) for both, each trained on at most 256 vectors per list,
#   nprobe swept, all NQ queries as one batch; recall@10 against the exact answer (FAISS's flat
#   index) over the first 1,000 queries; queries/s of the search alone (both in-process, all cores).
# With SR_VECTORS=V.npy and SR_QUERIES=Q.npy (float32 [n, d]) those vectors instead of synthetic
# ones, e.g. a model's item and user vectors (`sparserec export --format embeddings --fold-bias`):
# N and D are then theirs, NQ the first NQ rows of Q.
# Installs Debian's python3-faiss and python3-numpy when missing. Prints a markdown table.
# Usage: tools/bench_index.sh [BUILD_DIR] [N] [D] [NQ] [NLIST] [DEVICE]
set -euo pipefail
build=${1:-build}
n=${2:-1000000}
d=${3:-128}
nq=${4:-10000}
nlist=${5:-1024}
device=${6:-cpu}
bin=$(realpath "$build/tools/sparserec")
py=/usr/bin/python3
"$py" -c "import faiss, numpy" 2>/dev/null ||  # the peer, from Debian
  bash "$(dirname "$0")/install_debian_packages.sh" python3-faiss python3-numpy
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$py" - "$bin" "$dir" "$n" "$d" "$nq" "$nlist" "$device" "${SR_VECTORS:-}" "${SR_QUERIES:-}" <<'PY'
import json, os, subprocess, sys, time
import numpy as np
import faiss

bin_, dir_, n, d, nq, nlist, device = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7]), sys.argv[7]
vectors_file, queries_file = sys.argv[8], sys.argv[9]
k = 10
rng = np.random.default_rng(7)
centres = rng.standard_normal((1000, d)).astype(np.float32)
def draw(m):
    out = np.empty((m, d), np.float32)
    for s in range(0, m, 100000):
        e = min(m, s + 100000)
        out[s:e] = centres[rng.integers(0, 1000, e - s)] + 1.3 * rng.standard_normal((e - s, d)).astype(np.float32)
    return out
if vectors_file:
    x = np.ascontiguousarray(np.load(vectors_file), dtype=np.float32)
    q = np.ascontiguousarray(np.load(queries_file)[:nq], dtype=np.float32)
    n, d, nq = x.shape[0], x.shape[1], q.shape[0]
else:
    x, q = draw(n), draw(nq)
np.save(f"{dir_}/x.npy", x)
np.save(f"{dir_}/q.npy", q)
ne = min(nq, 1000)  # exact search and the recall's ground truth: the first 1,000 queries
np.save(f"{dir_}/qe.npy", q[:ne])

def ours(*args):
    r = subprocess.run([bin_, "index", *args, "--device", device], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"sparserec index {' '.join(args)} failed: {r.stderr.strip()}")
    return json.loads(r.stdout.strip().splitlines()[-1])

def recall(ids, truth):  # over the queries of `truth` (the first ne)
    return float(np.mean([len(set(a[a >= 0]) & set(b)) / k for a, b in zip(ids[:len(truth)], truth)]))

rows = []
# Exact.
flat = faiss.IndexFlatIP(d)
flat.add(x)
t = time.perf_counter(); _, truth = flat.search(q[:ne], k); faiss_exact = ne / (time.perf_counter() - t)
ours("build", "--vectors", f"{dir_}/x.npy", "--kind", "exact", "--out", f"{dir_}/e.sridx")
j = ours("query", "--index", f"{dir_}/e.sridx", "--queries", f"{dir_}/qe.npy", "-k", str(k), "--out", f"{dir_}/e")
mine = np.load(f"{dir_}/e.ids.npy")
rows.append(("sparserec exact", "-", recall(mine, truth), j["queries_per_second"], "-"))
rows.append(("FAISS IndexFlatIP", "-", 1.0, faiss_exact, "-"))
# IVF-Flat.
b = ours("build", "--vectors", f"{dir_}/x.npy", "--kind", "ivf", "--nlist", str(nlist), "--out", f"{dir_}/i.sridx")
quant = faiss.IndexFlatIP(d)
ivf = faiss.IndexIVFFlat(quant, d, nlist, faiss.METRIC_INNER_PRODUCT)
t = time.perf_counter(); ivf.train(x); ivf.add(x); faiss_build = time.perf_counter() - t
for nprobe in (1, 2, 4, 8, 16, 32, 64):
    if nprobe > nlist:
        break
    j = ours("query", "--index", f"{dir_}/i.sridx", "--queries", f"{dir_}/q.npy", "-k", str(k), "--nprobe", str(nprobe),
             "--out", f"{dir_}/i")
    rows.append(("sparserec IVF-Flat", nprobe, recall(np.load(f"{dir_}/i.ids.npy"), truth), j["queries_per_second"],
                 f"{b['build_seconds']:.1f}"))
    ivf.nprobe = nprobe
    t = time.perf_counter(); _, ids = ivf.search(q, k); s = time.perf_counter() - t
    rows.append(("FAISS IndexIVFFlat", nprobe, recall(ids, truth), nq / s, f"{faiss_build:.1f}"))
print(f"{n:,} vectors x {d}, {nq:,} queries ({ne:,} for exact and recall), inner product, top-{k}; IVF nlist {nlist}; device {device}; "
      f"FAISS {faiss.__version__} with {faiss.omp_get_max_threads()} threads")
print()
print("| index | nprobe | recall@10 (vs exact) | queries/s | build s |")
print("|---|---|---|---|---|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]:.4f} | {r[3]:,.0f} | {r[4]} |")
def best(name):
    ok = [r for r in rows if r[0] == name and r[2] >= 0.95]
    return max(ok, key=lambda r: r[3]) if ok else None
a, f = best("sparserec IVF-Flat"), best("FAISS IndexIVFFlat")
print()
print(f"exact: sparserec / FAISS queries/s = {rows[0][3] / rows[1][3]:.2f}")
if a and f:
    print(f"IVF at recall@10 >= 0.95: sparserec {a[3]:,.0f} q/s (nprobe {a[1]}, recall {a[2]:.3f}) vs FAISS {f[3]:,.0f} q/s "
          f"(nprobe {f[1]}, recall {f[2]:.3f}): ratio {a[3] / f[3]:.2f}")
PY
