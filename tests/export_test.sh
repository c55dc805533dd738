#!/usr/bin/env bash
# `sparserec export`: a model's weights as .npz and safetensors read by NumPy (and by PyTorch's
# safetensors where installed) with the same arrays in both; its vectors as .npy files that
# reproduce the scores `recommend` prints (two-tower: u·v_i + c_i), unit length with --normalize;
# a damaged model file and impossible flags refused with one line, leaving no file behind.
# Usage: export_test.sh PATH/TO/sparserec
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/numpy_python.sh"  # $py
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
"$bin" synth --out "$tmp/r.csv" --users 80 --items 1000 --events 3000 --seed 5 >/dev/null 2>&1 || { echo "synth failed"; exit 1; }
"$bin" train --data "$tmp/r.csv" --model biased_mf --device cpu --epochs 2 --early-stop off factors=6 --save "$tmp/mf.srm" \
  >/dev/null 2>&1 || fail "training biased_mf"
"$bin" topn --data "$tmp/r.csv" --model twotower --device cpu --epochs 2 --early-stop off hidden=16 dim=8 n_sample=32 \
  --save "$tmp/tt.srm" >/dev/null 2>&1 || fail "training twotower"
"$bin" train --data "$tmp/r.csv" --model autorec --device cpu --epochs 2 --early-stop off hidden=12 --save "$tmp/ar.srm" \
  >/dev/null 2>&1 || fail "training autorec"
"$bin" topn --data "$tmp/r.csv" --model cdae --device cpu --epochs 2 --early-stop off hidden=10 --save "$tmp/cd.srm" \
  >/dev/null 2>&1 || fail "training cdae"

for m in mf tt ar cd; do
  "$bin" export --model-file "$tmp/$m.srm" --device cpu --out "$tmp/$m.npz" >"$tmp/$m.npz.json" 2>"$tmp/err" ||
    fail "export $m npz: $(cat "$tmp/err")"
  "$bin" export --model-file "$tmp/$m.srm" --device cpu --format safetensors --out "$tmp/$m.safetensors" \
    >"$tmp/$m.st.json" 2>"$tmp/err" || fail "export $m safetensors: $(cat "$tmp/err")"
  # The two files hold the same arrays, as the JSON line lists them; the safetensors file is read
  # by the format's own rules (header length, JSON header, offsets), and by safetensors.torch
  # where it is installed.
  "$py" - "$tmp/$m" <<'PY' || fail "export $m: the .npz and the safetensors file differ or do not load"
import json, struct, sys
import numpy as np
base = sys.argv[1]
npz = np.load(base + ".npz")
listed = json.loads(open(base + ".npz.json").read().splitlines()[-1])["arrays"]
assert sorted(npz.files) == sorted(a["name"] for a in listed), (npz.files, listed)
for a in listed:
    assert list(npz[a["name"]].shape) == a["shape"], (a, npz[a["name"]].shape)
raw = open(base + ".safetensors", "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
meta = header.pop("__metadata__")
assert meta["model"] and json.loads(meta["options"]) is not None
data = raw[8 + n:]
end = 0
for name, h in header.items():
    b, e = h["data_offsets"]
    assert b == end, "the arrays are back to back"
    end = e
    x = np.frombuffer(data[b:e], dtype={"F32": "<f4", "I64": "<i8"}[h["dtype"]]).reshape(h["shape"])
    assert np.array_equal(x, npz[name]), name
    assert np.isfinite(x).all() if x.dtype.kind == "f" else True
assert end == len(data) and sorted(header) == sorted(npz.files)
assert "item_ids" in npz.files and "user_ids" in npz.files
try:
    from safetensors.torch import load_file
except ImportError:
    print("safetensors.torch not installed: read by the format's rules only")
else:
    t = load_file(base + ".safetensors")
    assert all(np.array_equal(t[k].numpy(), npz[k]) for k in npz.files)
PY
done

# The exported vectors give back recommend's scores: two-tower u·v_i + item.bias; CDAE h_u·w_i +
# output.bias[i]; I-AutoRec (item-based, residual) h_i·w_u + output.bias[u] + offsets, clipped to
# the training ratings' range (1..5 here).
user=$(awk -F, 'NR == 2 {print $1}' "$tmp/r.csv")
for m in tt cd ar; do
  "$bin" recommend --model-file "$tmp/$m.srm" --device cpu --users "$user" -k 5 >"$tmp/rec_$m.tsv" 2>"$tmp/err" ||
    fail "recommend $m: $(cat "$tmp/err")"
  "$bin" export --model-file "$tmp/$m.srm" --device cpu --format embeddings --out "$tmp/${m}_vectors" >/dev/null 2>"$tmp/err" ||
    fail "export $m embeddings: $(cat "$tmp/err")"
  "$py" - "$tmp" "$m" "$user" <<'PY' || fail "$m: the exported vectors do not give recommend's scores"
import os, sys
import numpy as np
tmp, m, user = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = f"{tmp}/{m}_vectors/"
U, V = np.load(d + "user_vectors.npy"), np.load(d + "item_vectors.npy")
uid, iid = list(np.load(d + "user_ids.npy")), list(np.load(d + "item_ids.npy"))
weights = np.load(f"{tmp}/{m}.npz")
assert U.shape[1] == V.shape[1] and len(uid) == U.shape[0] and len(iid) == V.shape[0], (U.shape, V.shape)
u = uid.index(user)
rows = [l.split("\t") for l in open(f"{tmp}/rec_{m}.tsv").read().splitlines() if l and l[0].isdigit()]
assert len(rows) == 5, rows
for r in rows:
    i = iid.index(int(r[2]))
    score = float(np.dot(U[u], V[i]))
    if m == "tt":
        score += weights["item.bias"].reshape(-1)[i]
    elif m == "cd":
        score += weights["output.bias"].reshape(-1)[i]
    else:
        assert os.path.exists(d + "user_offsets.npy") and "offsets.item" in weights.files
        score += weights["output.bias"].reshape(-1)[u] + np.load(d + "user_offsets.npy")[u] + np.load(d + "item_offsets.npy")[i]
        score = min(max(score, 1.0), 5.0)
    assert abs(score - float(r[3])) <= 1e-4 * max(1.0, abs(score)), (m, r, score)
PY
done
# --fold-bias: the dot product alone gives the scores (an inner-product index then ranks as the
# model does); refused for a model whose score is no such dot product.
for m in tt cd; do
  "$bin" export --model-file "$tmp/$m.srm" --device cpu --format embeddings --fold-bias --out "$tmp/${m}_folded" \
    >/dev/null 2>"$tmp/err" || fail "export $m --fold-bias: $(cat "$tmp/err")"
  "$py" - "$tmp" "$m" "$user" <<'PY' || fail "$m --fold-bias: the dot products are not recommend's scores"
import sys
import numpy as np
tmp, m, user = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = f"{tmp}/{m}_folded/"
U, V = np.load(d + "user_vectors.npy"), np.load(d + "item_vectors.npy")
plain = np.load(f"{tmp}/{m}_vectors/item_vectors.npy")
assert V.shape[1] == plain.shape[1] + 1 and np.all(U[:, -1] == 1.0), (V.shape, plain.shape)
uid, iid = list(np.load(d + "user_ids.npy")), list(np.load(d + "item_ids.npy"))
u = uid.index(user)
for r in [l.split("\t") for l in open(f"{tmp}/rec_{m}.tsv").read().splitlines() if l and l[0].isdigit()]:
    score = float(np.dot(U[u], V[iid.index(int(r[2]))]))
    assert abs(score - float(r[3])) <= 1e-4 * max(1.0, abs(score)), (m, r, score)
PY
done
# A second export into the same directory holds that model's files only.
"$bin" export --model-file "$tmp/ar.srm" --device cpu --format embeddings --out "$tmp/tt_vectors" >/dev/null 2>&1 ||
  fail "export into a used directory"
[ -e "$tmp/tt_vectors/user_offsets.npy" ] || fail "the second export's offsets are missing"
"$bin" export --model-file "$tmp/tt.srm" --device cpu --format embeddings --out "$tmp/tt_vectors" >/dev/null 2>&1 ||
  fail "export into a used directory"
[ -e "$tmp/tt_vectors/user_offsets.npy" ] && fail "an earlier export's user_offsets.npy was left beside two-tower's vectors"
"$bin" export --model-file "$tmp/mf.srm" --device cpu --format embeddings --normalize --out "$tmp/mf_vectors" \
  >/dev/null 2>"$tmp/err" || fail "export biased_mf embeddings: $(cat "$tmp/err")"
"$py" - "$tmp/mf_vectors" <<'PY' || fail "biased_mf --normalize: rows are not unit length"
import sys
import numpy as np
for w in ("user", "item"):
    x = np.load(sys.argv[1] + f"/{w}_vectors.npy")
    assert x.shape[1] == 6 and np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5), w
PY

# Refusals: one error line each (after the device's line, for a model file opened on it), and
# nothing written.
expect_error() {  # expect_error PATTERN ARGS...
  local pattern=$1
  shift
  if "$bin" "$@" >/dev/null 2>"$tmp/err"; then
    fail "sparserec $* succeeded"
  elif [ "$(grep -cv '^device: ' "$tmp/err")" -ne 1 ] || ! grep -q -- "$pattern" "$tmp/err"; then
    fail "sparserec $*: expected one line matching '$pattern', got: $(cat "$tmp/err")"
  fi
}
head -c 2000 "$tmp/mf.srm" >"$tmp/cut.srm"
expect_error "cut.srm" export --model-file "$tmp/cut.srm" --device cpu --out "$tmp/cut.npz"
[ -e "$tmp/cut.npz" ] && fail "a refused export left cut.npz"
expect_error "--normalize is for --format embeddings" export --model-file "$tmp/mf.srm" --normalize --out "$tmp/x.npz"
expect_error "--format must be npz, safetensors or embeddings, got 'pt'" export --model-file "$tmp/mf.srm" --format pt --out "$tmp/x"
"$bin" train --data "$tmp/r.csv" --model rbm --device cpu --epochs 1 --early-stop off hidden=4 --save "$tmp/rbm.srm" >/dev/null 2>&1 ||
  fail "training rbm"
expect_error "--fold-bias: model 'autorec' does not score items by a dot product" export --model-file "$tmp/ar.srm" --device cpu --format embeddings --fold-bias --out "$tmp/fv"
expect_error "--fold-bias with --normalize" export --model-file "$tmp/tt.srm" --format embeddings --fold-bias --normalize --out "$tmp/fv"
expect_error "model 'rbm' has no user or item vectors" export --model-file "$tmp/rbm.srm" --device cpu --format embeddings --out "$tmp/rv"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary file was left: $(ls "$tmp" | grep '\.tmp\.')"
[ "$failures" -eq 0 ] && echo "export: all checks passed"
exit $(( failures > 0 ))
