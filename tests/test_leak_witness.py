"""The witness that scans the run for leaked secrets finds them where they are."""

from tests import leaks


def test_the_scan_finds_a_number_in_a_log_line_and_a_url():
    seen = [("log app", "user 85073003328 blocked"), ("url", "/users/?q=85.07.30-033.28"), ("e-mail", "hello")]
    secrets = {"85073003328", "85.07.30-033.28", "Xy12pass"}
    assert set(leaks.find(secrets, seen)) == {"log app: …85073003328…", "url: …85.07.30-033.28…"}
    assert leaks.find({"Xy12pass"}, seen) == []


def test_the_scan_finds_a_secret_inside_a_longer_run_and_reports_it_once():
    seen = [("url", "/e/1/?token=ab85073003328cd"), ("log a", "Xy12pass-Xy12pass"), ("log b", "Xy12pass-Xy12pass")]
    found = leaks.find({"85073003328", "Xy12pass"}, seen)
    assert found == ["log a: …Xy12pass…", "url: …85073003328…"]
