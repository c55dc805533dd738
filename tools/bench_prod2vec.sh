#!/usr/bin/env bash
# Prod2vec beside gensim's Word2Vec on the same sessions in one run (issue 23): the same skip-gram
# settings (width, window, negatives, subsampling, exponent, epochs), the training time of each,
# and the session protocol's Recall@20 / MRR@20 of each — with item-kNN and popularity beside them.
#   ours    `sparserec session --model prod2vec` for EPOCHS epochs (no early stopping: a fixed
#           schedule, as gensim's), its fit time and metrics from its result line;
#   gensim  Word2Vec(sg=1, hs=0, min_count=1, workers = the cores) on the training sessions of two
#           or more clicks (the ones ours trains on), build_vocab + train timed;
#   the protocol for gensim's vectors is computed here (tools/peers/session_protocol.py): every click
#   of a test session after the first, clicks on items training never saw dropped, then sessions
#   left with fewer than two; the score of item i after a session is that of ours (score=context:
#   Σ_j decay^j u_(t−j)·v_i, gensim having no output bias; score=similar: cosine with the decayed
#   sum of the latest clicks' unit vectors); rank with ties against. To show that this code is the
#   protocol ours runs, it also scores our own saved vectors (`sparserec export`) and must give our
#   CLI's figures (the run fails otherwise).
# Installs Debian's python3-gensim and python3-numpy when missing. Prints a markdown table.
# Usage: tools/bench_prod2vec.sh [BUILD_DIR] [TRAIN] [TEST] [EPOCHS] [SCORE] [RECENT] [DECAY] [SEED]
set -euo pipefail
build=${1:-build}
data=$(dirname "$(realpath "$0")")/../../shared/data/rsc15-100k
train=$(realpath "${2:-$data/train_full.tsv}")
test=$(realpath "${3:-$data/test.tsv}")
epochs=${4:-5}
score=${5:-context}
recent=${6:-2}
decay=${7:-0.5}
seed=${8:-1}
bin=$(realpath "$build/tools/sparserec")
py=/usr/bin/python3
"$py" -c "import gensim, numpy" 2>/dev/null ||  # the peer, from Debian
  bash "$(dirname "$0")/install_debian_packages.sh" python3-gensim python3-numpy
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Every skip-gram setting given to ours, and the same to gensim (sparserec's defaults).
embedding=100 window=5 negatives=5 subsample=0.001 alpha=0.5
opts=(embedding=$embedding window=$window negatives=$negatives subsample=$subsample sample_alpha=$alpha
  score="$score" recent="$recent" decay="$decay")
"$bin" session --train "$train" --test "$test" --model prod2vec "${opts[@]}" --epochs "$epochs" --early-stop off \
  --seed "$seed" --device cpu --save "$dir/p.srm" >"$dir/ours.json" 2>"$dir/ours.err" ||
  { cat "$dir/ours.err" >&2; exit 1; }
"$bin" export --model-file "$dir/p.srm" --out "$dir/p.npz" >/dev/null
for baseline in itemknn popularity; do
  "$bin" session --train "$train" --test "$test" --model "$baseline" >"$dir/$baseline.json" 2>/dev/null
done
PYTHONPATH=$(dirname "$(realpath "$0")")/peers "$py" - "$dir" "$train" "$test" "$epochs" "$score" "$recent" "$decay" \
  "$seed" "$embedding" "$window" "$negatives" "$subsample" "$alpha" <<'PY'
import json, os, sys, time
import numpy as np
from gensim.models import Word2Vec
from session_protocol import read_sessions, test_events, evaluate

dir_, train_file, test_file = sys.argv[1:4]
epochs, score, recent, decay, seed = int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8])
last = lambda f: json.loads(open(f).read().strip().splitlines()[-1])
ours = last(f"{dir_}/ours.json")
opts = dict(zip(["embedding", "window", "negatives"], map(int, sys.argv[9:12])))
opts.update(subsample=float(sys.argv[12]), sample_alpha=float(sys.argv[13]))

train = [s for s in read_sessions(train_file) if len(s) >= 2]
p = np.load(f"{dir_}/p.npz")
ids = p["item_ids"]
index = {int(i): n for n, i in enumerate(ids)}
events = test_events(read_sessions(test_file), index)

# Our vectors through this protocol: must be our CLI's figures.
mine = evaluate(p["input_vectors.weight"], p["output_vectors.weight"], p["output_vectors.bias"][:, 0], events,
                score, recent, decay)
if abs(mine[0] - ours["recall20"]) > 1e-3 or abs(mine[1] - ours["mrr20"]) > 1e-3:
    sys.exit(f"the protocol here gives {mine} for our vectors, our CLI {ours['recall20']}, {ours['mrr20']}")

cores = os.cpu_count() or 1
sentences = [[str(i) for i in s] for s in train]
n, d = len(ids), opts["embedding"]

def gensim_run(n_epochs):
    """gensim trained for n_epochs: (seconds, Recall@20, MRR@20)."""
    t0 = time.perf_counter()
    w2v = Word2Vec(vector_size=d, window=opts["window"], negative=opts["negatives"], hs=0, sg=1,
                   sample=opts["subsample"], ns_exponent=opts["sample_alpha"], min_count=1, workers=cores, seed=seed)
    w2v.build_vocab(sentences)
    w2v.train(sentences, total_examples=len(sentences), epochs=n_epochs)
    seconds = time.perf_counter() - t0
    u, v = np.zeros((n, d), np.float32), np.zeros((n, d), np.float32)
    for i, item in enumerate(ids):  # gensim's rows in our item order; every training item is in its vocabulary
        k = w2v.wv.key_to_index[str(int(item))]
        u[i], v[i] = w2v.wv.vectors[k], w2v.syn1neg[k]
    return (seconds, *evaluate(u, v, np.zeros(n, np.float32), events, score, recent, decay))

theirs = gensim_run(epochs)
longer = gensim_run(4 * epochs)  # does gensim catch up given more time?
knn, pop = last(f"{dir_}/itemknn.json"), last(f"{dir_}/popularity.json")
print(f"{len(train)} training sessions, {sum(map(len, train))} clicks, {n} items; {len(events[0])} test events; "
      f"{epochs} epochs, width {d}, window {opts['window']}, {opts['negatives']} negatives, "
      f"subsample {opts['subsample']:g}; score={score} recent={recent} decay={decay:g}; {cores} cores")
print()
print("| model | train s | Recall@20 | MRR@20 |")
print("|---|---:|---:|---:|")
print(f"| sparserec prod2vec | {ours['fit_seconds']:.2f} | {ours['recall20']:.4f} | {ours['mrr20']:.4f} |")
version = __import__("gensim").__version__
print(f"| gensim Word2Vec {version} (skip-gram, NS) | {theirs[0]:.2f} | {theirs[1]:.4f} | {theirs[2]:.4f} |")
print(f"| gensim, {4 * epochs} epochs | {longer[0]:.2f} | {longer[1]:.4f} | {longer[2]:.4f} |")
print(f"| sparserec itemknn | {knn['fit_seconds']:.2f} | {knn['recall20']:.4f} | {knn['mrr20']:.4f} |")
print(f"| sparserec popularity | {pop['fit_seconds']:.2f} | {pop['recall20']:.4f} | {pop['mrr20']:.4f} |")
print()
print(f"gensim / sparserec training time: {theirs[0] / ours['fit_seconds']:.2f}x; our vectors through this "
      f"script's protocol: {mine[0]:.4f} / {mine[1]:.4f} (CLI {ours['recall20']:.4f} / {ours['mrr20']:.4f})")
PY
