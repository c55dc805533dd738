#!/usr/bin/env python3
"""The top-N protocol of the GAN recommender papers (CFGAN, Chae et al. CIKM 2018): a random 80/20
split of each user's items, and Precision / NDCG at 5 and 20 over the held-out items, the training
items excluded from the ranking.

  paper_topn_protocol.py split RATINGS OUT_DIR SEED   MovieLens u.data (tab-separated) -> train.csv,
                                                      test.csv (userId,movieId,rating,timestamp),
                                                      and test_one.csv: one held-out item per user,
                                                      for `sparserec topn --test` (its protocol ranks
                                                      one per user; the metrics here use them all)
  paper_topn_protocol.py score TEST_CSV REC_TSV       `sparserec recommend`'s TSV (user, rank, item,
                                                      score) -> one JSON line {p5, ndcg5, p20,
                                                      ndcg20, users}
  paper_topn_protocol.py popularity TRAIN_CSV REC_TSV the 20 most purchased training items each
                                                      user has not bought, as that TSV

Every rating counts as a purchase. Users with no held-out item are not scored; a user with fewer
than N recommendations is scored on what was recommended (precision still over N).
"""
import json
import math
import random
import sys
from collections import defaultdict


def split(ratings, out_dir, seed):
    by_user = defaultdict(list)
    with open(ratings) as f:
        for line in f:
            u, i, r, t = line.split()
            by_user[int(u)].append((int(i), r, t))
    rng = random.Random(int(seed))
    with open(f"{out_dir}/train.csv", "w") as tr, open(f"{out_dir}/test.csv", "w") as te, \
            open(f"{out_dir}/test_one.csv", "w") as one:
        for out in (tr, te, one):
            out.write("userId,movieId,rating,timestamp\n")
        for u in sorted(by_user):
            items = sorted(by_user[u])
            rng.shuffle(items)
            n_test = max(1, round(0.2 * len(items)))
            for k, (i, r, t) in enumerate(items):
                (te if k < n_test else tr).write(f"{u},{i},{r},{t}\n")
                if k == 0:
                    one.write(f"{u},{i},{r},{t}\n")


def score(test_csv, rec_tsv):
    held = defaultdict(set)
    with open(test_csv) as f:
        next(f)
        for line in f:
            u, i = line.split(",")[:2]
            held[u].add(i)
    recs = defaultdict(list)
    with open(rec_tsv) as f:
        header = next(f).rstrip("\n").split("\t")
        assert header[:3] == ["user", "rank", "item"], f"{rec_tsv}: unexpected header {header}"
        for line in f:
            u, rank, i = line.split("\t")[:3]
            recs[u].append((int(rank), i))
    recs = {u: [i for _, i in sorted(r)] for u, r in recs.items()}
    sums = {"p5": 0.0, "ndcg5": 0.0, "p20": 0.0, "ndcg20": 0.0}
    for u, truth in held.items():
        ranked = recs.get(u, [])
        for n in (5, 20):
            hits = [1.0 if i in truth else 0.0 for i in ranked[:n]]
            dcg = sum(h / math.log2(k + 2) for k, h in enumerate(hits))
            idcg = sum(1.0 / math.log2(k + 2) for k in range(min(len(truth), n)))
            sums[f"p{n}"] += sum(hits) / n
            sums[f"ndcg{n}"] += dcg / idcg
    out = {k: v / len(held) for k, v in sums.items()}
    out["users"] = len(held)
    print(json.dumps(out))


def popularity(train_csv, out_tsv):
    seen, count = defaultdict(set), defaultdict(int)
    with open(train_csv) as f:
        next(f)
        for line in f:
            u, i = line.split(",")[:2]
            seen[u].add(i)
            count[i] += 1
    ranked = sorted(count, key=lambda i: (-count[i], int(i)))
    with open(out_tsv, "w") as out:
        out.write("user\trank\titem\tscore\n")
        for u in sorted(seen, key=int):
            top = [i for i in ranked if i not in seen[u]][:20]
            for k, i in enumerate(top):
                out.write(f"{u}\t{k + 1}\t{i}\t{count[i]}\n")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "split":
        split(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        score(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "popularity":
        popularity(*sys.argv[2:])
    else:
        sys.exit(__doc__)
