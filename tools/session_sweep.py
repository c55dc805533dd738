#!/usr/bin/env python3
"""A hyperparameter sweep for a session model on a validation split: runs every configuration (one
per line of --grid: `sparserec session` arguments after the data) a few at a time, then re-runs
the best --top by MRR@20 with more seeds, and prints a table ranked by the mean over seeds, so a
lucky seed is not what gets chosen. Tune on train_tr -> train_valid (the defaults), never on test.

Usage: session_sweep.py --grid FILE [--bin build/tools/sparserec] [--device cuda:0] [--jobs 4]
       [--train F] [--test F] [--top 6] [--seeds 2,3] [--out FILE.jsonl] [--seconds LIMIT]
"""
import argparse
import concurrent.futures as cf
import json
import os
import statistics
import subprocess
import sys
import time


def run(a, args, seed):
    cmd = [a.bin, "session", "--train", a.train, "--test", a.test, "--device", a.device, "--seed", str(seed)] + args.split()
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        return {"args": args, "seed": seed, "error": (p.stderr.strip().splitlines() or ["?"])[-1]}
    j = json.loads(p.stdout.strip().splitlines()[-1])
    return {"args": args, "seed": seed, "recall20": j["recall20"], "mrr20": j["mrr20"], "seconds": time.time() - t0}


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    data = os.path.join(root, "data/rsc15-100k")
    if not os.path.exists(os.path.join(data, "train_tr.tsv")):
        data = os.path.join(root, "../shared/data/rsc15-100k")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", required=True)
    ap.add_argument("--bin", default=os.path.join(root, "build/tools/sparserec"))
    ap.add_argument("--device", default="auto")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--train", default=os.path.join(data, "train_tr.tsv"))
    ap.add_argument("--test", default=os.path.join(data, "train_valid.tsv"))
    ap.add_argument("--top", type=int, default=6)
    ap.add_argument("--seeds", default="2,3")
    ap.add_argument("--out", default="sweep.jsonl")
    ap.add_argument("--seconds", type=float, default=1e9, help="start no new run after this many seconds")
    a = ap.parse_args()
    grid = [l.strip() for l in open(a.grid) if l.strip() and not l.startswith("#")]
    start = time.time()
    results = []

    def sweep(jobs):
        with cf.ThreadPoolExecutor(a.jobs) as pool, open(a.out, "a") as out:
            futures = []
            for args, seed in jobs:
                futures.append(pool.submit(lambda x, s: run(a, x, s) if time.time() - start < a.seconds else None, args, seed))
            for f in cf.as_completed(futures):
                r = f.result()
                if r is None:
                    continue
                results.append(r)
                out.write(json.dumps(r) + "\n")
                out.flush()
                print(json.dumps(r), flush=True)

    sweep([(g, 1) for g in grid])
    ok = [r for r in results if "mrr20" in r]
    best = sorted(ok, key=lambda r: -r["mrr20"])[: a.top]
    sweep([(r["args"], int(s)) for r in best for s in a.seeds.split(",")])
    by = {}
    for r in results:
        if "mrr20" in r:
            by.setdefault(r["args"], []).append(r)
    rows = sorted(by.items(), key=lambda kv: -statistics.mean(r["mrr20"] for r in kv[1]))
    print(f"\n{a.train} -> {a.test}, device {a.device}; mean over seeds (runs)\n")
    print("| arguments | Recall@20 | MRR@20 | runs |")
    print("|---|---|---|---|")
    for args, rs in rows:
        print(f"| `{args}` | {statistics.mean(r['recall20'] for r in rs):.4f} | {statistics.mean(r['mrr20'] for r in rs):.4f} | {len(rs)} |")
    for r in results:
        if "error" in r:
            print(f"FAILED `{r['args']}` seed {r['seed']}: {r['error']}", file=sys.stderr)


if __name__ == "__main__":
    main()
