#!/usr/bin/env python3
"""Compares two runs of a results table (the .jsonl files beside tools/zoo_table.sh's and
tools/session_table.sh's tables: one "label<TAB>json" line per run) metric by metric, at full
precision, and prints a markdown table of old and new side by side. Every metric of the old run is
compared; times and rates are left out (they are measurements, not results), and so are fields
only the new run has. Exit status 1 when any metric differs or a run is missing.
Usage: compare_results.py OLD.jsonl NEW.jsonl"""
import json
import sys

# Keys that are measurements of speed (or describe the run), not results of the model.
NOT_METRICS = ("seconds", "per_second", "rate", "device", "command", "model", "options", "lr", "optimizer", "epochs", "part")


def runs(path):
    out = {}
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            label, text = line.rstrip("\n").split("\t", 1)
            out[label] = json.loads(text) if text.strip() else {}
    return out


def metrics(j):
    return {k: v for k, v in j.items()
            if isinstance(v, (int, float)) and not any(w in k for w in NOT_METRICS)}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    old, new = runs(sys.argv[1]), runs(sys.argv[2])
    print("| run | metric | old | new | |")
    print("|---|---|---|---|---|")
    differ = 0
    for label in list(old) + [l for l in new if l not in old]:
        a, b = metrics(old.get(label, {})), metrics(new.get(label, {}))
        if not a or not b:
            print(f"| {label} | — | {'missing' if not a else 'present'} | {'missing' if not b else 'present'} | **missing** |")
            differ += 1
            continue
        for key in sorted(a):  # the old run's metrics; fields the new run adds are not compared
            same = key in a and key in b and a[key] == b[key]
            differ += not same
            print(f"| {label} | {key} | {a.get(key, '—')!r} | {b.get(key, '—')!r} | {'same' if same else '**differs**'} |")
    print()
    print("every metric identical" if differ == 0 else f"{differ} metric(s) differ or are missing")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
