import tests.test_cli as t
def test_show(cli, trained_stores, tmp_path):
    w = t.window_file(tmp_path / "w.csv")
    r = cli("predict", "cli-stores", str(w), "--series", "north", "--series-column", "store")
    print(r.stdout)
    r = cli("backtest", "cli-stores", "--folds", "3", "--wait")
    print(r.stdout, r.stderr[-300:])
