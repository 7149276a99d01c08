"""``successhub im test-robot``: one message as the transport sends it; the tool's code decides the exit."""

from __future__ import annotations

import pytest

from successhub.cli import main
from tests.standin_fixtures import standin  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    ("tool", "robot_secret", "given_secret", "exit_code", "tool_code"),
    [
        pytest.param("yunzhijia", "", "", 0, "0", id="yunzhijia-accepts"),
        pytest.param("wecom", "", "", 0, "0", id="wecom-accepts"),
        pytest.param("dingtalk", "SECgood", "SECgood", 0, "0", id="dingtalk-accepts-a-good-signature"),
        pytest.param("dingtalk", "SECgood", "SECbad", 1, "310000", id="dingtalk-refuses-a-bad-signature"),
    ],
)
def test_test_robot_prints_the_status_and_the_tools_code(
    standin,  # noqa: F811
    capsys,
    tool,
    robot_secret,
    given_secret,  # noqa: F811
    exit_code,
    tool_code,
):
    server = standin(tool)
    url = server.add_robot("cli", robot_secret)

    code = main(
        ["im", "test-robot", "--tool", tool, "--url", url, "--secret", given_secret, "--text", "你好"]
    )

    out = capsys.readouterr().out
    assert code == exit_code
    assert "http_status\t200" in out and f"tool_code\t{tool_code}" in out
    assert server.texts() == (["你好"] if exit_code == 0 else [])


def test_wecom_unknown_key_is_refused(standin, capsys):  # noqa: F811
    server = standin("wecom")
    assert (
        main(["im", "test-robot", "--tool", "wecom", "--url", server.webhook_url("nope"), "--text", "x"]) == 1
    )
    assert "tool_code\t93000" in capsys.readouterr().out


def test_an_unknown_tool_is_a_usage_error(capsys):
    assert main(["im", "test-robot", "--tool", "icq", "--url", "http://127.0.0.1:1/", "--text", "x"]) == 2
    assert "unknown tool" in capsys.readouterr().err
