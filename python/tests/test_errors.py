# Bad input from Python: one exception with the CLI's message, nothing half-written.
import os

import pytest

import sparserec


def test_wrong_option_is_the_clis_message(cli, data):
    with pytest.raises(sparserec.OptionError) as e:
        sparserec.train(data=str(data / "r.csv"), model="autorec", epoch=3)
    assert isinstance(e.value, ValueError) and isinstance(e.value, sparserec.Error)
    assert str(e.value) == cli.error("train", "--data", data / "r.csv", "--model", "autorec", "--epoch", 3)


def test_bad_model_option_is_the_clis_message(cli, data):
    with pytest.raises(sparserec.Error) as e:
        sparserec.train(data=str(data / "r.csv"), model="autorec", options={"hiden": 5}, device="cpu")
    assert str(e.value) == cli.error("train", "hiden=5", "--data", data / "r.csv", "--model", "autorec", "--device",
                                     "cpu")
    assert "hiden" in str(e.value)


def test_missing_split_file(cli, data, tmp_path):
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(sparserec.Error) as e:
        sparserec.train(train=str(data / "r.csv"), test=missing, model="biased_mf", device="cpu")
    assert "nope.csv" in str(e.value)
    assert str(e.value) == cli.error("train", "--train", data / "r.csv", "--test", missing, "--model", "biased_mf",
                                     "--device", "cpu")


def test_damaged_model_file(cli, data, tmp_path):
    path = tmp_path / "m.srm"
    cli.run("train", "--data", data / "r.csv", "--model", "biased_mf", "--epochs", 1, "--device", "cpu", "--save", path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(sparserec.Error) as e:
        sparserec.Model(str(path), "cpu")
    assert str(path) in str(e.value)
    out = tmp_path / "w.npz"
    with pytest.raises(sparserec.Error) as e2:
        sparserec.export(model_file=str(path), device="cpu", format="npz", out=str(out))
    assert str(e2.value) == cli.error("export", "--model-file", path, "--device", "cpu", "--format", "npz", "--out",
                                      out)
    assert not os.path.exists(out)


def test_unknown_ids(cli, data, tmp_path):
    path = str(tmp_path / "m.srm")
    sparserec.train(data=str(data / "r.csv"), model="biased_mf", epochs=1, device="cpu", save=path)
    m = sparserec.Model(path, "cpu")
    with pytest.raises(sparserec.Error, match="unknown user id 987654"):
        m.recommend(users=[987654])
    with pytest.raises(sparserec.Error, match="recommends for users"):
        m.recommend_sessions([[1]])
    with pytest.raises(sparserec.Error, match="k must be >= 1"):
        m.recommend(k=0)


def test_missing_dataset():
    with pytest.raises(sparserec.Error, match="no_such_file.csv"):
        sparserec.load_dataset("no_such_file.csv")


def test_help_and_models():
    assert "--epochs" in sparserec.help("train")
    assert "autorec" in sparserec.models()
    with pytest.raises(sparserec.Error, match="unknown command 'trian'"):
        sparserec.help("trian")


def test_a_failed_plot_raises(cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    with pytest.raises(sparserec.Error) as e:  # not an exit of this process
        sparserec.plot(str(bad), out=str(tmp_path / "fig.png"))
    assert str(e.value) == cli.error("plot", bad, "--out", tmp_path / "fig.png")


def test_tune_and_serve_stay_with_the_program():
    for command in ("tune", "serve"):
        with pytest.raises(sparserec.Error, match="runs as the sparserec program"):
            sparserec.run(command)


def test_help_flag_prints_the_help(capsys):
    assert sparserec.train(help=True) is None
    assert "--epochs" in capsys.readouterr().out
