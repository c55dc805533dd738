#!/usr/bin/env bash
# Fetches MovieLens 100K into data/ml-100k/u.data (not committed: MovieLens may not be
# redistributed). The PyPI package recbole==1.2.1 ships it as ml-100k.inter: a header line, then
# exactly the lines of u.data (user, item, rating, timestamp; tab-separated). Its ml-100k.item
# (id, title, year, genres) becomes data/ml-100k/u.item in MovieLens' layout, in Latin-1:
# "id|title (year)|01-Jan-year||URL|" and the 19 genre flags (recbole keeps the release year, not
# the day; the URL is left empty), and its ml-100k.user (id, age, gender, occupation, zip) becomes
# data/ml-100k/u.user, "id|age|gender|occupation|zip": the side features `import --item-features`
# and `--user-features` read.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/data/ml-100k"
if [ -s "$out/u.data" ] && [ -s "$out/u.item" ] && [ -s "$out/u.user" ]; then echo "$out/u.data"; exit 0; fi
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
genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western"]
with open(item_path + ".tmp", "wb") as f:
    for line in items[1:]:
        fields = line.split("\t") + ["", "", ""]
        year = fields[2].strip() if fields[2].strip().isdigit() else ""  # item 267: "unkonwn"
        title = fields[1] + (f" ({year})" if year else "")
        has = set(fields[3].split())
        assert has <= set(genres), has - set(genres)
        flags = "|".join("1" if g in has else "0" for g in genres)
        date = f"01-Jan-{year}" if year else ""
        f.write(f"{fields[0]}|{title}|{date}|||{flags}\n".encode("latin-1", errors="replace"))
os.replace(item_path + ".tmp", item_path)
with zipfile.ZipFile(wheel) as z:
    users = z.read("recbole/dataset_example/ml-100k/ml-100k.user").decode("latin-1").splitlines()
assert users[0].startswith("user_id"), users[0]
user_path = os.path.join(os.path.dirname(sys.argv[2]), "u.user")
with open(user_path + ".tmp", "wb") as f:
    for line in users[1:]:
        f.write(("|".join(line.split("\t")) + "\n").encode("latin-1"))
os.replace(user_path + ".tmp", user_path)
PY
echo "$out/u.data"
