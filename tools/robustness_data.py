#!/usr/bin/env python3
"""The datasets of the robustness table (issue 21), built from what the repository has: MovieLens
100K thinned, cut to its long tail and re-scaled to half stars; the RSC15 sample cut to a tenth of
its sessions and to its short sessions. Deterministic (seeded). The synthetic densities come from
`sparserec synth` (tools/robustness_table.sh).

Usage: robustness_data.py ML100K_U_DATA RSC15_DIR OUT_DIR
"""
import collections
import csv
import os
import random
import sys


def read_ml(path):
    with open(path) as f:
        return [tuple(line.split()) for line in f if line.strip()]


def write_ml(path, rows):
    with open(path, "w") as f:
        for r in rows:
            f.write("\t".join(r) + "\n")


def main(ml_path, rsc_dir, out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(21)
    ml = read_ml(ml_path)

    # 20 % of each user's ratings (at least one): a sparser, colder ML-100K.
    by_user = collections.defaultdict(list)
    for r in ml:
        by_user[r[0]].append(r)
    thin = []
    for u in sorted(by_user, key=int):
        rows = by_user[u]
        thin += rng.sample(rows, max(1, round(0.2 * len(rows))))
    write_ml(os.path.join(out, "ml100k-thin20.data"), thin)

    # The long tail: the ratings of items outside the 10 % most rated; items with <= 5 ratings stay.
    count = collections.Counter(r[1] for r in ml)
    head = {i for i, _ in count.most_common(len(count) // 10)}
    write_ml(os.path.join(out, "ml100k-tail.data"), [r for r in ml if r[1] not in head])

    # Half stars 0.5..5: half of the ratings lowered by half a star (as a MovieLens release reads).
    with open(os.path.join(out, "ml100k-half.csv"), "w") as f:
        f.write("userId,movieId,rating,timestamp\n")
        for u, i, rating, t in ml:
            v = float(rating) - (0.5 if rng.random() < 0.5 else 0.0)
            f.write(f"{u},{i},{v:g},{t}\n")

    # RSC15: a tenth of the training sessions; short sessions (2-3 clicks) in train and test.
    def read_sessions(path):
        with open(path) as f:
            rows = list(csv.reader(f, delimiter="\t"))
        header, rows = rows[0], rows[1:]
        sessions = collections.OrderedDict()
        for r in rows:
            sessions.setdefault(r[0], []).append(r)
        return header, sessions

    def write_sessions(path, header, sessions):
        with open(path, "w") as f:
            f.write("\t".join(header) + "\n")
            for rows in sessions:
                for r in rows:
                    f.write("\t".join(r) + "\n")

    header, train = read_sessions(os.path.join(rsc_dir, "train_full.tsv"))
    _, test = read_sessions(os.path.join(rsc_dir, "test.tsv"))
    keys = sorted(train, key=int)
    tenth = set(rng.sample(keys, len(keys) // 10))
    write_sessions(os.path.join(out, "rsc15-10pct-train.tsv"), header, [train[k] for k in train if k in tenth])
    short = lambda s: 2 <= len(s) <= 3
    write_sessions(os.path.join(out, "rsc15-short-train.tsv"), header, [s for s in train.values() if short(s)])
    write_sessions(os.path.join(out, "rsc15-short-test.tsv"), header, [s for s in test.values() if short(s)])


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
