"""``[tool.slmc.prices]`` in the agent's pyproject.toml overrides slmc/data/prices.yaml: the savings, the report and
the CLI use the overridden price and show its date; a typo gets a did-you-mean and names the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from slmc.analysis.prices import llm_price, merged_prices, parse_overrides
from slmc.compiler.cli import main
from slmc.compiler.config import load_config
from slmc.errors import SlmcError

from . import conftest as fx

FIXTURE = Path(__file__).parent / "fixtures" / "shop_agent.py"
SITES = {
    fx.ASK: "llm:ask@shop_agent.py:11",
    fx.EXTRACT: "llm:extract_order@shop_agent.py:16",
    fx.STEP: "llm:agent_step@shop_agent.py:28",
    fx.REPLY: "llm:write_reply@shop_agent.py:40",
}


def _project(tmp_path: Path, prices: str, table: str = "tool.slmc.prices") -> tuple[Path, Path]:
    """The shop agent with 60 traces in ``tmp_path``, its pyproject.toml holding ``[table]`` with ``prices``."""
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "shop"\n\n[{table}]\n{prices}\n')
    agent = tmp_path / "shop_agent.py"
    shutil.copy(FIXTURE, agent)
    traces = tmp_path / "traces.jsonl"
    with traces.open("w", encoding="utf-8") as f:
        for r in fx.make_records(n=60):
            r.site_id, r.split = SITES[r.site_id], None
            f.write(r.to_json() + "\n")
    return agent, traces


def test_override_reaches_the_savings_the_report_and_the_cli(tmp_path: Path, capsys):
    agent, traces = _project(tmp_path, 'as-of = "2026-11"\ngpt-4o = { input = 25.0, output = 100.0 }')
    out = tmp_path / "out"
    code = main(["analyze", str(agent), "--traces", str(traces), "--out", str(out), "--embedder", "tfidf", "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    analysis = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    savings = analysis["savings"]
    assert savings["llm_price"] == {"input": 25.0, "output": 100.0} and savings["prices_as_of"] == "2026-11"
    assert analysis["llm_price"]["input"] == 25.0  # the site table's $ use the same price
    default = llm_price("gpt-4o")  # 2.5 / 10.0: the override is ten times that
    at_default = sum(default.call_cost(s["input_tokens"], s["output_tokens"]) for s in analysis["sites"])
    assert sum(s["usd"] for s in analysis["sites"]) == pytest.approx(10 * at_default, rel=1e-3)
    assert "prices as of 2026-11" in printed
    md = (out / "report.md").read_text(encoding="utf-8")
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in (md, html):
        assert "$25.0 / $100.0 per 1M" in text and "as of 2026-11" in text and "[tool.slmc.prices] (gpt-4o)" in text


def test_override_changes_the_figures(tmp_path: Path):
    base = merged_prices(None)
    merged = merged_prices(parse_overrides({"gpt-4o": {"input": 25.0}}))
    assert llm_price("gpt-4o", merged).input == 25.0 and llm_price("gpt-4o", merged).output == 10.0
    assert llm_price("gpt-4o", base).input == 2.5 and base["as_of"] == merged["as_of"]
    new = merged_prices(parse_overrides({"my-llm": {"input": 1, "output": 2}}))
    assert llm_price("my-llm-2026", new).model == "my-llm"


@pytest.mark.parametrize(
    ("prices", "message", "hint"),
    [
        ("gpt-4o = { inptu = 3.0 }", "unknown key 'inptu'", "did you mean 'input'?"),
        ('asof = "2026-01"', "must be a table", "did you mean 'as-of'?"),
        ("gpt-4oo = { input = 3.0 }", "needs both input and output", "did you mean 'gpt-4o'?"),
        ("gpt-4o = { input = -1 }", "non-negative number", None),
        ('gpt-4o = { input = "cheap" }', "non-negative number", None),
    ],
)
def test_mistakes_name_the_file_and_suggest(tmp_path: Path, capsys, prices: str, message: str, hint: str | None):
    agent, traces = _project(tmp_path, prices)
    with pytest.raises(SlmcError) as err:
        load_config([agent])
    assert message in err.value.message and err.value.path == str(tmp_path / "pyproject.toml")
    if hint:
        assert hint in (err.value.hint or "")
    code = main(["analyze", str(agent), "--traces", str(traces), "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    assert code == 2 and message in captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "o").exists()  # refused before any work
