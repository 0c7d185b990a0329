"""The seven campaigns scored by hand on a small October: each campaign's deductions, the
weighted composite, the rank and who is called in (约谈), from the API and the command line.

West (建北街道): two street-vending cases dispatched and never handled (late 2, unclosed 2,
accepted 2: 占道经营 100 − 2×2 − 2×0.2 = 95.6) and a gas leak never handled (late 1, unclosed 1:
燃气安全 100 − 5 − 5 = 90); every other campaign 100. Composite (weights 0.15, 0.15, 0.15, 0.10,
0.15, 0.15, 0.15): 100 − 0.15 × 4.4 − 0.15 × 10 = 97.84.
East (青园街道): one exposed-rubbish case closed on time: 100 everywhere.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from cases.casekit import IN_EAST, IN_WEST, build_registry, file_dispatched, run
from registry.cases import Cases
from registry.cases.campaigns import campaign_scores, load_scoring
from registry.errors import LayerDefinitionError
from web.cli.main import cli

STREETS = [("建北街道", "建北街道"), ("青园街道", "青园街道")]


@pytest.fixture
def october(cases: Cases) -> Cases:
    for day in ("12", "13"):
        file_dispatched(cases, "street_vending", IN_WEST, f"2026-10-{day} 09:00")
    file_dispatched(cases, "gas_main_leak", IN_WEST, "2026-10-14 09:00")
    done = file_dispatched(cases, "exposed_garbage", IN_EAST, "2026-10-15 09:00")
    run(cases, done, ("handle", "2026-10-15 10:00"), ("verify", "2026-10-15 10:10"),
        ("close", "2026-10-15 10:20"))
    return cases


def test_campaign_scores_composite_rank_and_interview(october: Cases) -> None:
    scoring = load_scoring(rules=october.rules)
    table = campaign_scores(october.all(), october.rules, scoring, "2026-10", STREETS)
    assert table[["unit", "street_vending", "gas_safety", "waste_sorting", "composite", "rank",
                  "interview"]].astype(object).values.tolist() == [
        ["青园街道", 100.0, 100.0, 100.0, 100.0, 1, False],
        ["建北街道", 95.6, 90.0, 100.0, 97.84, 2, True],
    ]


def test_the_command_prints_the_campaigns(october: Cases, registry_url: str) -> None:
    october.reg.close()
    out = CliRunner().invoke(cli, ["campaigns", "-r", registry_url, "--month", "2026-10"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "七大专项整治考评 2026-10"
    assert lines[1].split()[:3] == ["街道办事处", "垃圾分类", "占道经营"]
    assert lines[1].split()[-3:] == ["综合得分", "排名", "约谈"]
    assert lines[3].split()[0] == "建北街道" and lines[3].split()[-3:] == ["97.84", "2", "约谈"]


def test_a_scoring_file_missing_a_campaign_is_refused(tmp_path: Path, cases: Cases) -> None:
    broken = tmp_path / "campaigns.toml"
    broken.write_text('base = 100.0\n[campaigns.gas_safety]\nweight = 1.0\nitems = []\n',
                      encoding="utf-8")
    with pytest.raises(LayerDefinitionError, match="must list exactly the campaigns"):
        load_scoring(broken, cases.rules)
