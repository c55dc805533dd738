#!/usr/bin/env python3
"""Sizing a cluster (issue 5): for every model of the zoo at Netflix scale, the step time and the
scaling efficiency of data-parallel training on N GPUs, from measured single-device steps.

Measured (on the device given, by `sparserec ... --profile-steps`, which times real training steps
through the data-parallel path): the time to compute one shard's gradient (forward + backward) and
the optimizer step, and what the gradient exchange moves per step and rank: the gradient bytes it
all-reduces (whole tables, or only the rows the step touched when that is fewer bytes) and the ids
of touched rows it all-gathers. The touched rows grow with the number of shards, so the exchange is
measured with one process training N shards (bit for bit what N ranks do) for several N.

Modelled (stated in the output, each a flag):
  * weak scaling: each GPU keeps the model's batch; the global batch is N times it;
  * one GPU's step = shard gradient + optimizer update (measured); N GPUs add copying the gradients
    into the exchange's bucket (measured) and the exchange, which
    the trainer runs after the backward pass (no overlap with compute), and update the union of
    the rows all shards touched (measured with N shards);
  * all-reduce as NCCL's ring within a node, hierarchical across nodes (reduce-scatter over NVLink,
    all-reduce of each GPU's 1/G share over its own network port, all-gather over NVLink):
      t = 2 (G-1)/G * S / B_nvlink + 2 (M-1)/M * (S/G) / B_net + ring-step latencies,
    for S bytes, G GPUs a node, M nodes; the all-gather of touched-row ids moves (N-1) lists;
  * bandwidths are achievable bus bandwidths (NCCL all_reduce_perf's busbw), not link peaks;
  * for N between two measured shard counts the larger one's bytes are used (the union of touched
    rows only grows with N); past the largest measured, bytes grow with N up to the dense size.

Usage: tools/scaling_estimate.py [--bin build/tools/sparserec] [--device cuda] [--workdir DIR]
       [--ratings FILE] [--clicks FILE] [--models a,b] [--measure 1,8,64] [--gpus 1,2,4,8,16,64,256]
       [--comm auto|host|nccl] [--gpus-per-node 8] [--nvlink-gbs 360] [--network-gbit 400] [--reuse] [--out FILE]
A cluster of CPU machines is one rank a node: --gpus-per-node 1 and the network's rate.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

# Zoo model -> the command that trains it, and which data it reads.
COMMANDS = {
    "autorec": ("train", "ratings"), "biased_mf": ("train", "ratings"), "rbm": ("train", "ratings"),
    "cdae": ("topn", "ratings"), "multdae": ("topn", "ratings"), "multvae": ("topn", "ratings"),
    "gmf": ("topn", "ratings"), "mlp": ("topn", "ratings"), "neumf": ("topn", "ratings"),
    "gru4rec": ("session", "clicks"), "narm": ("session", "clicks"), "stamp": ("session", "clicks"),
}
FULL_BATCH_STANDIN = 256  # rows a GPU for models that train full-batch by default (no data-parallel form)
NETFLIX = dict(users=480189, items=17770, events=100480507)
CLICKS = dict(users=2000000, items=17770, events=8000000)  # sessions over Netflix's catalogue


def fmt_time(t):
    return f"{t:.2f} s" if t >= 1 else f"{t * 1e3:.3g} ms"


def fmt_mb(b):
    return f"{b / 1e6:,.0f}" if b >= 1e8 else f"{b / 1e6:.3g}"


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def make_data(a):
    os.makedirs(a.workdir, exist_ok=True)
    if not a.ratings:
        a.ratings = os.path.join(a.workdir, "netflix-shape.srdata")
        if not os.path.exists(a.ratings):
            text = os.path.join(a.workdir, "ratings.csv")
            run([a.bin, "synth", "--out", text] + [f"--{k}={v}" for k, v in NETFLIX.items()])
            run([a.bin, "import", "--data", text, "--out", a.ratings])
            os.remove(text)
    if not a.clicks:
        a.clicks = os.path.join(a.workdir, "clicks-netflix-items.tsv")
        if not os.path.exists(a.clicks):
            run([a.bin, "synth", "--clicks", "--out", a.clicks] + [f"--{k}={v}" for k, v in CLICKS.items()])


def profile(a, model, shards, shard_rows):
    """The measured profile of `model` with `shards` shards, from the cache in --workdir when there."""
    key = f"{a.device}|{a.comm}|{model}|{shards}|{shard_rows}|{a.steps}|{a.ratings}|{a.clicks}"
    cache_path = os.path.join(a.workdir, "profiles.json")
    cache = json.load(open(cache_path)) if os.path.exists(cache_path) else {}
    if key in cache and a.reuse:
        return cache[key]
    p = measure(a, model, shards, shard_rows)
    cache = json.load(open(cache_path)) if os.path.exists(cache_path) else {}
    cache[key] = p
    with open(cache_path + ".tmp", "w") as f:
        json.dump(cache, f, indent=1)
    os.replace(cache_path + ".tmp", cache_path)
    return p


def measure(a, model, shards, shard_rows):
    command, kind = COMMANDS[model]
    data = ["--data", a.ratings] if kind == "ratings" else ["--train", a.clicks, "--test", a.clicks]
    cmd = [a.bin, command, *data, "--model", model, "--device", a.device, "--comm", a.comm,
           "--profile-steps", str(a.steps), "--shards", str(shards)]
    if shard_rows:
        cmd += ["--batch", str(shard_rows * shards)]
    try:
        return run(cmd)
    except RuntimeError as e:
        if shard_rows is None and ("give --batch" in str(e) or "give a batch size" in str(e)):
            return measure(a, model, shards, FULL_BATCH_STANDIN)
        raise


def allreduce_seconds(nbytes, n, g, nvlink, net, lat_nvlink, lat_net):
    if n <= 1 or nbytes <= 0:
        return 0.0
    g = min(g, n)
    m = n // g
    t = 2 * (g - 1) / g * nbytes / nvlink + 2 * (g - 1) * lat_nvlink
    if m > 1:
        t += 2 * (m - 1) / m * (nbytes / g) / net + 2 * (m - 1) * lat_net
    return t


def allgather_seconds(per_rank, n, g, nvlink, net, lat_nvlink, lat_net):
    if n <= 1 or per_rank <= 0:
        return 0.0
    if n <= g:
        return (n - 1) * per_rank / nvlink + (n - 1) * lat_nvlink
    return (n - 1) * per_rank / net + (n - 1) * lat_net  # every other rank's list; most cross the network


def at_scale(measured, n):
    """(reduce bytes, gather bytes, update seconds) of a rank at N GPUs, from the profiles measured at
    several shard counts: the touched rows' union, and so the bytes and the rows the optimizer
    updates, grow with N."""
    counts = sorted(measured)
    for c in counts:
        if c >= n:
            m = measured[c]
            return m["reduce_bytes"], m["gather_bytes"], m["update_seconds"]
    top = measured[counts[-1]]
    grow = n / counts[-1]
    return min(top["dense_bytes"], top["reduce_bytes"] * grow), top["gather_bytes"], top["update_seconds"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/tools/sparserec")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--comm", default="auto", help="the profiles' exchange: on a GPU, nccl keeps the bucket on the device "
                    "as a multi-GPU job does (host copies every gradient to the host)")
    ap.add_argument("--workdir", default="/tmp/sparserec-scaling")
    ap.add_argument("--ratings", help="ratings at the scale to plan for (default: synthetic, Netflix's shape)")
    ap.add_argument("--clicks", help="click sessions (default: synthetic, over Netflix's 17,770 items)")
    ap.add_argument("--models", default=",".join(COMMANDS))
    ap.add_argument("--steps", type=int, default=3, help="timed steps a profile (after one warm-up)")
    ap.add_argument("--measure", default="1,8,64", help="shard counts whose exchange is measured")
    ap.add_argument("--gpus", default="1,2,4,8,16,64,256")
    ap.add_argument("--gpus-per-node", type=int, default=8)
    ap.add_argument("--nvlink-gbs", type=float, default=360.0, help="NCCL bus bandwidth within a node, GB/s (8x H100 SXM: about 360-480)")
    ap.add_argument("--network-gbit", type=float, default=400.0, help="network port per GPU, Gbit/s (InfiniBand NDR: 400)")
    ap.add_argument("--network-efficiency", type=float, default=0.9, help="share of the port's rate NCCL reaches")
    ap.add_argument("--nvlink-latency-us", type=float, default=3.0, help="per ring step within a node")
    ap.add_argument("--network-latency-us", type=float, default=10.0, help="per ring step across nodes")
    ap.add_argument("--reuse", action="store_true", help="take profiles measured before (WORKDIR/profiles.json) instead of measuring again")
    ap.add_argument("--out", help="also write the report (markdown) here")
    a = ap.parse_args()
    models = a.models.split(",")
    unknown = [m for m in models if m not in COMMANDS]
    if unknown:
        sys.exit(f"scaling_estimate: no command known for model(s) {', '.join(unknown)}")
    zoo = [line.split("\t")[0] for line in subprocess.run([a.bin, "models"], capture_output=True, text=True,
                                                          check=True).stdout.splitlines() if line.strip()]
    missing = [m for m in zoo if m not in COMMANDS]
    if missing:
        sys.exit(f"scaling_estimate: the zoo has model(s) this script does not know: {', '.join(missing)}")
    make_data(a)
    nvlink = a.nvlink_gbs * 1e9
    net = a.network_gbit / 8 * 1e9 * a.network_efficiency
    lat_nv, lat_net = a.nvlink_latency_us * 1e-6, a.network_latency_us * 1e-6
    gpus = [int(x) for x in a.gpus.split(",")]
    measure = sorted(int(x) for x in a.measure.split(","))
    rows, details = [], []
    device = ""
    for model in models:
        base = profile(a, model, 1, None)
        device = base["device"]
        shard_rows = base["shard_rows"]
        measured = {1: base}
        for n in measure:
            if n == 1:
                continue
            p = profile(a, model, n, shard_rows)
            measured[n] = p
            print(f"{model}: {n} shards: {p['reduce_bytes'] / 1e6:.3f} MB all-reduced (dense {p['dense_bytes'] / 1e6:.3f} MB), "
                  f"{p['gather_bytes'] / 1e3:.1f} kB of ids a step", file=sys.stderr)
            if p["reduce_bytes"] >= 0.9 * p["dense_bytes"]:
                break  # (nearly) whole tables already: more shards move at most the rest
        t1 = base["shard_seconds"] + base["update_seconds"]
        cells = []
        for n in gpus:
            r, g, update = at_scale(measured, n)
            bucket = base["bucket_seconds"] if n > 1 else 0.0  # one GPU alone has no bucket to fill
            if n == 1:
                update = base["update_seconds"]
            t = base["shard_seconds"] + bucket + update + allreduce_seconds(r, n, a.gpus_per_node, nvlink, net, lat_nv, lat_net) + \
                allgather_seconds(g, n, a.gpus_per_node, nvlink, net, lat_nv, lat_net)
            cells.append(f"{fmt_time(t)} / {t1 / t:.0%}")
        top = max(measured)
        rows.append(f"| {model} | {base['weights']:,} | {shard_rows:,} | {fmt_time(t1)} | "
                    f"{fmt_mb(measured[top]['reduce_bytes'])} of {fmt_mb(measured[top]['dense_bytes'])} MB at {top} | "
                    + " | ".join(cells) + " |")
        print(rows[-1], file=sys.stderr)
        details.append(f"- {model}: " + "; ".join(
            f"{n} shards: shard {fmt_time(measured[n]['shard_seconds'])}, bucket {fmt_time(measured[n]['bucket_seconds'])}, "
            f"update {fmt_time(measured[n]['update_seconds'])}, "
            f"{fmt_mb(measured[n]['reduce_bytes'])} MB + {measured[n]['gather_bytes'] / 1e3:.3g} kB ids"
            for n in sorted(measured)))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"# Data-parallel scaling estimate, {datetime.date.today()}",
        "",
        f"Commit {commit}; measured on {device}; command `{' '.join(sys.argv)}`.",
        f"Data: ratings `{a.ratings}`, clicks `{a.clicks}` (default: synthetic, Netflix's 480,189 users x 17,770 items x "
        f"100,480,507 ratings; sessions over the same 17,770 items).",
        "",
        "Assumptions: weak scaling (each GPU keeps the model's batch; models that train full-batch by default take "
        f"{FULL_BATCH_STANDIN} rows a GPU); a step on N GPUs = the measured shard gradient + copying it into the "
        "exchange's bucket + the update (of the rows "
        "all N shards touched, measured) + the exchange, not overlapped with compute; ring all-reduce within a node (NCCL; the MPI path moves the same bytes), hierarchical across nodes; "
        f"{a.gpus_per_node} GPUs a node; NVLink bus bandwidth {a.nvlink_gbs:g} GB/s, {a.nvlink_latency_us:g} us a ring step; "
        f"network {a.network_gbit:g} Gbit/s a GPU at {a.network_efficiency:.0%}, {a.network_latency_us:g} us a ring step. "
        "Bytes are the exchange's own (touched rows of row-sparse tables when fewer than whole tables), measured "
        f"with 1 process training N shards for N in {measure} (stopping once 90% of the whole tables go); between those the "
        "larger N's bytes, beyond them growing with N up to the whole tables.",
        "",
        "Each cell: estimated step time / scaling efficiency (one rank's step time over N ranks' step time; throughput "
        "is N x batch / step time).",
        "",
        "| model | weights | batch a rank | 1-rank step (measured) | exchanged a rank (measured) | "
        + " | ".join(f"N={n}" for n in gpus) + " |",
        "|---|---|---|---|---|" + "---|" * len(gpus),
        *rows,
        "",
        "Measured profiles:",
        "",
        *details,
    ]
    report = "\n".join(lines)
    print(report)
    if a.out:
        with open(a.out, "w") as f:
            f.write(report + "\n")


if __name__ == "__main__":
    main()
