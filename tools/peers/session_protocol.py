"""The session protocol of BENCHMARKS.md in NumPy, for peers whose vectors are scored outside
sparserec (tools/bench_prod2vec.sh): every click of a test session after the first is predicted
from the clicks before it; clicks on items training never saw are dropped, then sessions left with
fewer than two clicks; Recall@20 and MRR@20 over all those events, the target's rank being 1 + the
number of other items scoring at least as high (ties count against it)."""
import numpy as np


def read_sessions(path):
    """The sessions of an RSC15-layout TSV (SessionId, ItemId, Time), each in time order, in the order
    of their first click."""
    by_session = {}
    with open(path) as f:
        next(f)
        for line in f:
            s, item, t = line.rstrip("\n").split("\t")[:3]
            by_session.setdefault(s, []).append((float(t), int(item)))
    sessions = [sorted(c, key=lambda x: x[0]) for c in by_session.values()]
    sessions.sort(key=lambda c: c[0][0])
    return [[item for _, item in c] for c in sessions]


def test_events(sessions, index):
    """(histories, targets): for every predicted click, the item indices before it and its own."""
    histories, targets = [], []
    for s in sessions:
        s = [index[i] for i in s if i in index]
        for t in range(1, len(s)):
            histories.append(s[:t])
            targets.append(s[t])
    return histories, np.array(targets, np.int64)


def evaluate(u, v, bias, events, score, recent, decay, k=20):
    """Recall@k, MRR@k of item vectors: score=context scores Σ_j decay^j (u_(t−j)·v_i + bias_i) over
    the `recent` latest clicks; score=similar the cosine of u_i with Σ_j decay^j û_(t−j)."""
    histories, targets = events
    if score == "similar":
        norm = np.linalg.norm(u, axis=1, keepdims=True)
        u = np.where(norm > 0, u / np.where(norm > 0, norm, 1), 0).astype(np.float32)
        keys = u
    else:
        keys = np.hstack([v, bias[:, None]]).astype(np.float32)
    recall = mrr = 0.0
    for start in range(0, len(targets), 2048):
        block = histories[start:start + 2048]
        q = np.zeros((len(block), keys.shape[1]), np.float32)
        for r, h in enumerate(block):
            w = 1.0
            for item in reversed(h[-recent:]):
                q[r, :u.shape[1]] += w * u[item]
                if keys.shape[1] > u.shape[1]:
                    q[r, -1] += w
                w *= decay
        s = q @ keys.T
        tgt = targets[start:start + 2048]
        own = s[np.arange(len(tgt)), tgt]
        rank = (s >= own[:, None]).sum(axis=1)  # the target itself counts once: 1 + the others at or above it
        hit = rank <= k
        recall += hit.sum()
        mrr += (1.0 / rank[hit]).sum()
    return recall / len(targets), mrr / len(targets)
