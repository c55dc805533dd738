# The Python package gives the CLI's results: the same arrays for a dataset, the same figures to the
# last digit for a training run, the same recommendations and exported weights.
import json
import os

import numpy as np
import pytest

import sparserec

# What differs between two runs of one command: times, rates and the process's memory.
VOLATILE = ("seconds", "per_second", "peak_rss", "rate", "time")


def stable(result):
    if isinstance(result, dict):
        return {k: stable(v) for k, v in result.items() if not any(w in k for w in VOLATILE)}
    if isinstance(result, list):
        return [stable(v) for v in result]
    return result


def test_dataset_round_trip(cli, data, tmp_path):
    cli.run("import", "--data", data / "r.csv", "--out", tmp_path / "r.srdata")
    binary = sparserec.load_dataset(str(tmp_path / "r.srdata"))
    text = sparserec.load_dataset(str(data / "r.csv"))
    assert (binary.n_users, binary.n_items, binary.n_events) == (150, 400, 5000)
    assert binary.feedback == "ratings"
    for name in ("row_ptr", "items", "ratings", "times", "user_ids", "item_ids"):
        a, b = getattr(binary, name), getattr(text, name)
        assert a.dtype == b.dtype and np.array_equal(a, b), name
        assert not a.flags.writeable and not a.flags.owndata, f"{name} is a copy or writeable"
    # The arrays hold the file's events: (user, item, rating) triples from the CSV itself.
    csv = np.genfromtxt(data / "r.csv", delimiter=",", skip_header=1)
    users = np.repeat(binary.user_ids, np.diff(binary.row_ptr))
    ours = sorted(zip(users.tolist(), binary.item_ids[binary.items].tolist(), binary.ratings.tolist()))
    theirs = sorted(zip(csv[:, 0].astype(np.int64).tolist(), csv[:, 1].astype(np.int64).tolist(), csv[:, 2].tolist()))
    assert ours == theirs
    # The view keeps the mapping alive after the dataset object is gone.
    items = sparserec.load_dataset(str(tmp_path / "r.srdata")).items
    assert int(items.sum()) == int(binary.items.sum())


def test_autorec_matches_cli(cli, data, tmp_path):
    flags = ["--data", data / "r.csv", "--model", "autorec", "--epochs", 4, "--device", "cpu", "--seed", 9]
    theirs = cli.result("train", "hidden=40", *flags, "--save", tmp_path / "cli.srm")
    ours = sparserec.train(data=str(data / "r.csv"), model="autorec", epochs=4, device="cpu", seed=9,
                           options={"hidden": 40}, save=str(tmp_path / "py.srm"))
    assert ours["command"] == "train" and "rmse" in json.dumps(ours)
    assert stable(ours) == stable(theirs)


def test_gru4rec_matches_cli(cli, data, tmp_path):
    c = str(data / "c.tsv")
    theirs = cli.result("session", "--train", c, "--test", c, "--model", "gru4rec", "--epochs", 2, "--device", "cpu",
                        "--save", tmp_path / "cli.srm")
    ours = sparserec.session(train=c, test=c, model="gru4rec", epochs=2, device="cpu", save=str(tmp_path / "py.srm"))
    assert stable(ours) == stable(theirs)
    # The session model recommends after click sequences as the CLI does.
    m = sparserec.Model(str(tmp_path / "py.srm"), "cpu")
    first = [int(i) for i in m.item_ids[:3]]
    top = m.recommend_sessions([first, first[:1]], k=5)
    for r, clicks in enumerate([first, first[:1]]):
        rows = cli.topk("--model-file", tmp_path / "py.srm", "--device", "cpu", "--clicks",
                        ",".join(map(str, clicks)), "-k", 5)
        assert [int(x[2]) for x in rows] == top["items"][r].tolist()
        assert np.allclose([float(x[3]) for x in rows], top["scores"][r], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("command,model", [("train", "biased_mf"), ("topn", "cdae")])
def test_recommend_matches_cli(cli, data, tmp_path, command, model):
    path = tmp_path / "m.srm"
    cli.run(command, "--data", data / "r.csv", "--model", model, "--epochs", 2, "--device", "cpu", "--save", path)
    m = sparserec.Model(str(path), "cpu")
    assert m.name == model
    users = [int(u) for u in m.user_ids[[0, 7, 42]]]
    top = m.recommend(users=users, k=500)  # more than any user's unseen items: -1 and NaN pad
    rows = cli.topk("--model-file", path, "--device", "cpu", "--users", ",".join(map(str, users)), "-k", 500)
    for r, user in enumerate(users):
        mine = [x for x in rows if int(x[0]) == user]
        n = len(mine)
        assert 0 < n < 500 and top["users"][r] == user
        assert top["items"][r, :n].tolist() == [int(x[2]) for x in mine]
        assert np.allclose(top["scores"][r, :n], [float(x[3]) for x in mine], rtol=1e-5, atol=1e-6)
        assert (top["items"][r, n:] == -1).all() and np.isnan(top["scores"][r, n:]).all()
    # Every user by default, the same lists as asked one by one.
    everyone = m.recommend(k=5)
    assert len(everyone["users"]) == len(m.user_ids)
    assert np.array_equal(everyone["items"][[0, 7, 42]], top["items"][:, :5])


def test_export_loads_in_numpy(cli, data, tmp_path):
    path = tmp_path / "m.srm"
    cli.run("topn", "--data", data / "r.csv", "--model", "cdae", "--epochs", 2, "--device", "cpu", "--save", path)
    cli.run("export", "--model-file", path, "--device", "cpu", "--format", "npz", "--out", tmp_path / "w.npz")
    saved = np.load(tmp_path / "w.npz")
    weights = sparserec.Model(str(path), "cpu").weights()
    assert sorted(saved.files) == sorted(weights)
    for name, value in weights.items():
        assert saved[name].dtype == value.dtype and np.array_equal(saved[name], value), name
    # The package's own export writes the same file.
    sparserec.export(model_file=str(path), device="cpu", format="npz", out=str(tmp_path / "py.npz"))
    again = np.load(tmp_path / "py.npz")
    assert all(np.array_equal(again[n], saved[n]) for n in saved.files)


def test_export_loads_in_pytorch(cli, data, tmp_path):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the safetensors check needs it")
    safetensors = pytest.importorskip("safetensors.torch")
    path = tmp_path / "m.srm"
    cli.run("train", "--data", data / "r.csv", "--model", "biased_mf", "--epochs", 2, "--device", "cpu", "--save", path)
    cli.run("export", "--model-file", path, "--device", "cpu", "--format", "safetensors", "--out", tmp_path / "w.st")
    tensors = safetensors.load_file(str(tmp_path / "w.st"))
    for name, value in sparserec.Model(str(path), "cpu").weights().items():
        assert torch.equal(tensors[name], torch.from_numpy(value)), name


def test_vectors_give_the_scores(data, tmp_path):
    path = str(tmp_path / "tt.srm")
    sparserec.topn(data=str(data / "r.csv"), model="twotower", epochs=2, device="cpu", save=path)
    m = sparserec.Model(path, "cpu")
    users, items = m.score_vectors()
    assert users.shape[0] == len(m.user_ids) and items.shape[0] == len(m.item_ids)
    assert m.item_vectors().shape[0] == len(m.item_ids)
    top = m.recommend(users=[int(m.user_ids[0])], k=20)
    row = {int(i): r for r, i in enumerate(m.item_ids)}
    dots = np.array([items[row[i]] @ users[0] for i in top["items"][0].tolist()])
    # The score is the dot product (up to a constant per user).
    assert np.allclose(top["scores"][0] - dots, (top["scores"][0] - dots)[0], atol=1e-4)
    assert (np.diff(dots) <= 1e-5).all()


def test_plot_returns_its_result(data, tmp_path):
    log = str(tmp_path / "run.jsonl")
    sparserec.train(data=str(data / "r.csv"), model="biased_mf", epochs=3, device="cpu", log=log)
    result = sparserec.plot(log, out=str(tmp_path / "fig.png"))
    assert result["command"] == "plot" and os.path.getsize(tmp_path / "fig.png") > 0
