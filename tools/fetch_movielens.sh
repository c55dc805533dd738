#!/usr/bin/env bash
# Fetches MovieLens 100K into data/ml-100k/u.data (not committed: MovieLens may not be
# redistributed). The PyPI package recbole==1.2.1 ships it as ml-100k.inter: a header line, then
# exactly the lines of u.data (user, item, rating, timestamp; tab-separated). Its ml-100k.item
# (id, title, year, genres) becomes data/ml-100k/u.item in MovieLens' layout — "id|title (year)|"
# in Latin-1, the fields recommend and serve read titles from; the release date, URL and genre
# flags of the original u.item are left empty.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/data/ml-100k"
if [ -s "$out/u.data" ] && [ -s "$out/u.item" ]; then echo "$out/u.data"; exit 0; fi
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --dest "$tmp" recbole==1.2.1 >&2
python3 - "$tmp" "$out/u.data" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/recbole-1.2.1-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    lines = z.read("recbole/dataset_example/ml-100k/ml-100k.inter").decode().splitlines()
assert lines[0].startswith("user_id"), lines[0]
body = lines[1:]
assert len(body) == 100000, len(body)
tmp = sys.argv[2] + ".tmp"
with open(tmp, "w") as f:
    f.write("\n".join(body) + "\n")
import os
os.replace(tmp, sys.argv[2])
with zipfile.ZipFile(wheel) as z:
    raw = z.read("recbole/dataset_example/ml-100k/ml-100k.item")
try:
    text = raw.decode("utf-8")
except UnicodeDecodeError:
    text = raw.decode("latin-1")
items = text.splitlines()
assert items[0].startswith("item_id"), items[0]
item_path = os.path.join(os.path.dirname(sys.argv[2]), "u.item")
with open(item_path + ".tmp", "wb") as f:
    for line in items[1:]:
        fields = line.split("\t")
        title = fields[1] + (f" ({fields[2]})" if len(fields) > 2 and fields[2] else "")
        f.write(f"{fields[0]}|{title}|||\n".encode("latin-1", errors="replace"))
os.replace(item_path + ".tmp", item_path)
PY
echo "$out/u.data"
