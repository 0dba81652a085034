"""The core CLI: migrations, workspaces and agents, with clean errors for bad input."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from typer.testing import CliRunner

from kefu.cli.main import app

runner = CliRunner()


@pytest.fixture
def env(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> dict[str, str]:
    monkeypatch.setenv("KEFU_DATABASE_URL", database_url)
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KEFU_SECRET_KEY", secrets.token_urlsafe(48))
    return {}


def test_upgrade_workspace_and_agent(env: Any) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    r = runner.invoke(app, ["workspace", "create", "--name", "Kwiaciarnia", "--slug", "kwiaty"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "agent",
            "create",
            "--workspace",
            "kwiaty",
            "--email",
            "ola@kwiaty.pl",
            "--name",
            "Ola",
            "--role",
            "admin",
            "--locale",
            "pl",
        ],
        env={"KEFU_AGENT_PASSWORD": "correct horse battery"},
    )
    assert r.exit_code == 0, r.output
    # Same e-mail again: a clear one-line error, exit 2, no traceback.
    r = runner.invoke(
        app,
        ["agent", "create", "--workspace", "kwiaty", "--email", "ola@kwiaty.pl", "--name", "Ola"],
        env={"KEFU_AGENT_PASSWORD": "correct horse battery"},
    )
    assert r.exit_code == 2 and "exists" in r.output and "Traceback" not in r.output
    r = runner.invoke(
        app,
        ["agent", "create", "--workspace", "nope", "--email", "x@y.pl", "--name", "X"],
        env={"KEFU_AGENT_PASSWORD": "correct horse battery"},
    )
    assert r.exit_code == 2 and "not found" in r.output
    r = runner.invoke(
        app,
        ["agent", "create", "--workspace", "kwiaty", "--email", "y@y.pl", "--name", "Y"],
        env={"KEFU_AGENT_PASSWORD": "short"},
    )
    assert r.exit_code == 2 and "at least 10" in r.output


def test_serve_refuses_without_secret_or_schema(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEFU_DATABASE_URL", database_url)
    monkeypatch.delenv("KEFU_SECRET_KEY", raising=False)
    r = runner.invoke(app, ["serve"])
    assert r.exit_code == 2 and "secret_key" in r.output
    monkeypatch.setenv("KEFU_SECRET_KEY", secrets.token_urlsafe(48))
    r = runner.invoke(app, ["serve"])
    assert r.exit_code == 2 and "kefu db upgrade" in r.output


def test_serve_refuses_a_misconfigured_encoder(
    env: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("KEFU_NLU_ENCODER_DIR", str(tmp_path / "no-such-model"))
    r = runner.invoke(app, ["serve"])
    said = " ".join(r.output.split())  # rich wraps long lines
    assert r.exit_code == 2 and "not a sentence-transformers model directory" in said
    assert "Traceback" not in r.output
    monkeypatch.setenv("KEFU_NLU_ENCODER_WEIGHT", "1.5")
    r = runner.invoke(app, ["serve"])
    assert r.exit_code == 2 and "nlu_encoder_weight" in r.output
    monkeypatch.setenv("KEFU_NLU_ENCODER_WEIGHT", "0.4")
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "modules.json").write_text("[]", "utf-8")
    monkeypatch.setenv("KEFU_NLU_ENCODER_DIR", str(model_dir))
    try:
        import sentence_transformers  # noqa: F401
    except ImportError:
        r = runner.invoke(app, ["serve"])
        said = " ".join(r.output.split())
        assert r.exit_code == 2 and "sentence-transformers package is not installed" in said
    else:
        pytest.skip("sentence-transformers is installed here; the missing-package path is moot")


def test_demo_seed_creates_logins_with_random_passwords(env: Any, tmp_path: Any) -> None:
    from kefu.cli.demo_data import seed_demo
    from kefu.core.settings import Settings
    from kefu.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    info = seed_demo(settings)
    assert {login["role"] for login in info["logins"]} == {"admin", "supervisor", "agent"}
    assert len({login["password"] for login in info["logins"]}) == 4
    assert info["web_inbox_token"]
    # The demo shop's website chat is answered by the bot from the e-commerce pack.
    from kefu.bot import knowledge
    from kefu.store.db import make_engine, make_session_factory
    from kefu.workspaces.service import get_workspace, inbox_by_token

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            ws = get_workspace(session, ref="demo")
            found = knowledge.current(session, workspace_id=ws.id)
            assert found is not None and sorted(found[1].packs) == ["en", "pl", "zh-CN", "zh-TW"]
            assert inbox_by_token(session, token=info["web_inbox_token"]).bot_enabled
    finally:
        engine.dispose()


def test_packs_import_into_a_workspace(env: Any) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    r = runner.invoke(app, ["workspace", "create", "--name", "Szkoła", "--slug", "szkola"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        app, ["packs", "import", "education", "--lang", "pl", "--workspace", "szkola"]
    )
    assert r.exit_code == 0, r.output
    assert "knowledge version 1" in r.output
    r = runner.invoke(
        app,
        ["packs", "import", "education", "--lang", "en", "--workspace", "szkola", "--enable-bot"],
    )
    assert r.exit_code == 0 and "knowledge version 2" in r.output
    for args, message in [
        (["packs", "import", "plumbing", "--lang", "pl", "--workspace", "szkola"], "industry"),
        (["packs", "import", "education", "--lang", "de", "--workspace", "szkola"], "language"),
        (["packs", "import", "education", "--lang", "pl", "--workspace", "nope"], "workspace"),
    ]:
        r = runner.invoke(app, args)
        assert r.exit_code == 2, r.output
        assert message in r.output.lower() and "Traceback" not in r.output
