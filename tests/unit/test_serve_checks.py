"""``gridsim serve`` refuses what would fail before Streamlit starts; Streamlit fetches nothing (issue 18, 9)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest

from sim.app import serve


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_port_in_use_is_one_line_and_exit_2_before_streamlit(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[object] = []
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: started.append(a))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert serve.main([f"port={port}", f"results={tmp_path}"]) == 2
    out, err = capsys.readouterr()
    assert err.strip() == f"gridsim serve: error: port: {port} is in use on 127.0.0.1 (another program listens on " \
                          f"it): choose another, e.g. port={port + 1}"
    assert not started and "workbench:" not in out  # no banner, no Streamlit


def test_a_free_port_passes_the_check() -> None:
    assert serve.port_problem("127.0.0.1", _free_port()) is None


@pytest.mark.parametrize("where", ["afile", "afile/below"])
def test_an_unwritable_results_directory_is_one_line_and_exit_2(tmp_path: Path, where: str,
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "afile").write_text("not a directory\n")
    monkeypatch.setattr(serve.subprocess, "Popen", lambda *a, **k: pytest.fail("Streamlit started"))
    assert serve.main([f"port={_free_port()}", f"results={tmp_path / where}"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gridsim serve: error: results: "), lines


def test_streamlit_is_told_every_address_and_gathers_nothing() -> None:
    cmd = serve.streamlit_command("10.1.2.3", 8600, Path("page.py"))
    assert cmd[:4] == [sys.executable, "-m", "sim.app.serve", "run"]  # through launch()
    opts = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert opts["--server.address"] == opts["--browser.serverAddress"] == "10.1.2.3"
    assert opts["--server.port"] == opts["--browser.serverPort"] == "8600"
    assert opts["--browser.gatherUsageStats"] == "false" and opts["--server.headless"] == "true"


def test_streamlit_under_launch_looks_up_no_address_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """``launch`` answers Streamlit's look-ups of the machine's addresses locally: Streamlit's web request
    (checkip.amazonaws.com) and its socket towards a public address are never made."""
    from streamlit import net_util
    from streamlit.web import cli as streamlit_cli
    from streamlit.web.server import server_util

    for name in ("get_external_ip", "get_internal_ip"):
        monkeypatch.setattr(net_util, name, getattr(net_util, name))  # launch replaces them: restored after
    seen: list[list[str]] = []
    monkeypatch.setattr(streamlit_cli, "main", lambda args, prog_name: seen.append(args))
    argv = serve.streamlit_command("10.1.2.3", 8600, Path("page.py"))[4:]
    assert serve.launch(argv) == 0 and seen == [argv]

    def outside(*_a: object, **_k: object) -> None:
        raise AssertionError("Streamlit reached outside the machine")

    monkeypatch.setattr(net_util, "_make_blocking_http_get", outside)
    monkeypatch.setattr(socket, "socket", outside)
    assert net_util.get_external_ip() is None and net_util.get_internal_ip() == "10.1.2.3"
    # a browser arriving from an origin Streamlit does not know: it tries every address it may have
    assert server_util.is_url_from_allowed_origins("http://192.0.2.7:8600") is False
