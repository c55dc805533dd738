#!/usr/bin/env python3
"""DeepFM and DCN-v2 in plain PyTorch, the peer of `sparserec ctr` (issue 24).

Reads what `sparserec ctr --export-examples DIR` wrote: the run's labelled examples (its split into
train / valid / test, the validation part ours stops early on) and each side field's table as our
nets read it (a row per user or item: a category's column 1, a multi-valued field's columns 1/n, a
number standardized). The same nets as models/feature_rankers.cpp, the straightforward PyTorch way:
  fields      the user id, the item id, then each side field; a field's embedding is its row's
              columns' embeddings weighted by their values (the rows padded once, a lookup and a
              weighted sum per batch), `factors` wide, initialised N(0, 0.01²) as ours
  DeepFM      b + Σ first-order weights + FM's ½[(Σ_f e_f)² − Σ_f e_f²] + ReLU tower → 1
  DCN-v2      x0 = [e_1 | … | e_F], x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l (full or low rank U V),
              beside the ReLU tower on x0; a linear layer over both → 1
Linear layers Glorot-uniform with zero biases (ours). Adam (lr 0.001), batch 256, the logistic loss,
(PyTorch's Adam is dense: rows of an embedding a batch does not touch still move on their moments,
where ours updates only the touched rows; ours with dense updates was tried on this benchmark and
was not better: seeds 1-3, AUC 0.7826 / 0.7828 / 0.7842 against lazy 0.7903 / 0.7824 / 0.7871),
at most EPOCHS epochs with early stopping on the validation log loss (patience 5), then — as ours by
default (--early-stop-mode refit) — a fresh net trained on train + valid for the best epoch count.
Prints one JSON line: test AUC and log loss, the epochs, and the median seconds of a training epoch
on torch.get_num_threads() threads (set by --threads).
Usage: ctr_peer.py DIR MODEL [key=value ...] [--epochs N] [--threads T] [--seed S]
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn


def load(dir_):
    shape = json.load(open(os.path.join(dir_, "shape.json")))
    parts = {"train": [], "valid": [], "test": []}
    with open(os.path.join(dir_, "examples.tsv")) as f:
        for line in f:
            p, u, i, y = line.split("\t")
            parts[p].append((int(u), int(i), float(y)))
    parts = {p: np.array(v, dtype=np.float64).reshape(-1, 3) for p, v in parts.items()}
    tables = {f["input"]: ([], [], []) for f in shape["fields"]}
    with open(os.path.join(dir_, "fields.tsv")) as f:
        for line in f:
            name, r, c, v = line.split("\t")
            t = tables[name]
            t[0].append(int(r)), t[1].append(int(c)), t[2].append(float(v))
    return shape, parts, tables


class Fields(nn.Module):
    """Each example's field embeddings, side by side: ids through nn.Embedding; a side field as its
    entity's row of the field's table, padded once to the longest row (index 0, weight 0), looked up
    through nn.Embedding and summed with the row's values as weights."""

    def __init__(self, shape, tables, dim, side):
        super().__init__()
        self.ids = nn.ModuleList([nn.Embedding(shape["users"], dim), nn.Embedding(shape["items"], dim)])
        self.side = []
        self.tables = nn.ModuleList()
        for f in shape["fields"] if side else []:
            rows, cols, vals = tables[f["input"]]
            n = shape["users"] if f["input"].startswith("user:") else shape["items"]
            lens = np.bincount(np.array(rows, dtype=np.int64), minlength=n)
            width = max(1, int(lens.max()) if len(lens) else 1)
            idx = np.zeros((n, width), dtype=np.int64)
            w = np.zeros((n, width), dtype=np.float32)
            fill = np.zeros(n, dtype=np.int64)
            for r, c, v in zip(rows, cols, vals):
                idx[r, fill[r]], w[r, fill[r]] = c, v
                fill[r] += 1
            self.side.append((f["input"].startswith("user:"), torch.from_numpy(idx), torch.from_numpy(w)))
            self.tables.append(nn.Embedding(f["width"], dim))
        for e in list(self.ids) + list(self.tables):
            nn.init.normal_(e.weight, 0.0, 0.01)
        self.count = 2 + len(self.tables)

    def forward(self, users, items):
        out = [self.ids[0](users), self.ids[1](items)]
        for (user_side, idx, w), table in zip(self.side, self.tables):
            ent = users if user_side else items
            out.append((table(idx[ent]) * w[ent].unsqueeze(-1)).sum(1))
        return out


def linear(i, o):
    l = nn.Linear(i, o)
    nn.init.xavier_uniform_(l.weight)
    nn.init.zeros_(l.bias)
    return l


def tower(width, units, depth):
    layers = []
    for _ in range(depth):
        layers += [linear(width, units), nn.ReLU()]
        width = units
    return nn.Sequential(*layers), width


class DeepFM(nn.Module):
    def __init__(self, shape, tables, o):
        super().__init__()
        self.fields = Fields(shape, tables, o["factors"], o["side"])
        self.first = Fields(shape, tables, 1, o["side"])
        for e in list(self.first.ids) + list(self.first.tables):
            nn.init.zeros_(e.weight)  # ours: linear terms start at 0
        self.tower, w = tower(self.fields.count * o["factors"], o["units"], o["depth"])
        self.out = linear(w, 1)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, u, i):
        e = torch.stack(self.fields(u, i), 1)  # batch x F x k
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1)
        first = torch.cat(self.first(u, i), 1).sum(1)
        return self.bias + first + fm + self.out(self.tower(e.flatten(1))).squeeze(1)


class DCNv2(nn.Module):
    def __init__(self, shape, tables, o):
        super().__init__()
        self.fields = Fields(shape, tables, o["factors"], o["side"])
        d = self.fields.count * o["factors"]
        r = o["rank"]
        self.cross = nn.ModuleList([nn.Sequential(linear(d, r), linear(r, d)) if 0 < r < d else linear(d, d)
                                    for _ in range(o["cross_layers"])])
        self.tower, w = tower(d, o["units"], o["depth"])
        self.out = linear(d + w, 1)

    def forward(self, u, i):
        x0 = torch.cat(self.fields(u, i), 1)
        x = x0
        for c in self.cross:
            x = x0 * c(x) + x
        return self.out(torch.cat([x, self.tower(x0)], 1)).squeeze(1)


def metrics(model, data):
    model.eval()
    with torch.no_grad():
        s = torch.cat([model(torch.from_numpy(data[k:k + 65536, 0].astype(np.int64)),
                             torch.from_numpy(data[k:k + 65536, 1].astype(np.int64)))
                       for k in range(0, len(data), 65536)]).double().numpy()
    model.train()
    y = data[:, 2]
    p = np.clip(1.0 / (1.0 + np.exp(-s)), 1e-7, 1 - 1e-7)
    logloss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ss = s[order]
    i = 0
    while i < len(ss):  # ties share their mean rank
        j = i
        while j < len(ss) and ss[j] == ss[i]:
            j += 1
        ranks[order[i:j]] = 0.5 * (i + 1 + j)
        i = j
    pos = y.sum()
    neg = len(y) - pos
    auc = float((ranks[y > 0.5].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else 0.5
    return auc, logloss


def train(make, data, epochs, batch, lr, seed, valid=None, patience=5):
    torch.manual_seed(seed)
    model = make()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    lossf = nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(seed)
    best, best_epoch, seconds = math.inf, 0, []
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(data))
        t = time.perf_counter()
        for k in range(0, len(order), batch):
            b = data[order[k:k + batch]]
            opt.zero_grad()
            loss = lossf(model(torch.from_numpy(b[:, 0].astype(np.int64)), torch.from_numpy(b[:, 1].astype(np.int64))),
                         torch.from_numpy(b[:, 2].astype(np.float32)))
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t)
        if valid is not None:
            v = metrics(model, valid)[1]
            print(f"epoch {epoch}: {seconds[-1]:.2f} s, validation log loss {v:.4f}", file=sys.stderr)
            if v < best:
                best, best_epoch = v, epoch
            elif epoch - best_epoch >= patience:
                break
    return model, best_epoch, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("model", choices=["deepfm", "dcnv2"])
    ap.add_argument("options", nargs="*")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    o = {"factors": 16, "units": 64, "depth": 2, "side": 1, "cross_layers": 2, "rank": 0, "lr": 0.001, "batch": 256}
    for kv in a.options:
        k, v = kv.split("=")
        o[k] = float(v) if k == "lr" else int(v)
    torch.set_num_threads(a.threads)
    shape, parts, tables = load(a.dir)
    make = (lambda: DeepFM(shape, tables, o)) if a.model == "deepfm" else (lambda: DCNv2(shape, tables, o))
    if len(parts["valid"]) == 0:
        sys.exit("no validation examples to choose the epochs on (run sparserec ctr with early stopping)")
    _, best_epoch, seconds = train(make, parts["train"], a.epochs, o["batch"], o["lr"], a.seed, parts["valid"])
    full = np.concatenate([parts["train"], parts["valid"]])
    model, _, refit_seconds = train(make, full, best_epoch, o["batch"], o["lr"], a.seed)
    auc, logloss = metrics(model, parts["test"])
    print(json.dumps({"peer": "pytorch " + torch.__version__, "model": a.model, "options": o, "best_epoch": best_epoch,
                      "epoch_seconds": statistics.median(seconds + refit_seconds), "threads": a.threads,
                      "test_auc": auc, "test_logloss": logloss, "n_test": len(parts["test"])}))


if __name__ == "__main__":
    main()
