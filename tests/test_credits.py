from __future__ import annotations

import pytest

from pipelines.credits import find_credit, same_outlet


@pytest.mark.parametrize(("block", "credit"), [
    ("BEIRUT (Reuters) \u2013 The Syrian army said", "Reuters"),
    ("(AP) \u2014 Police said on Friday", "AP"),
    ("SANTA LUCIA, Chile (AFP) - A strong quake", "AFP"),
    ("\u2014 Globewire", "Globewire"),
    ("By Continental Press Service staff", "Continental Press Service"),
    ("Credit: Associated Press", "Associated Press"),
    ("\u00a9 2026 Globewire", "Globewire"),
    ("The man (who was 37) \u2014 said nothing", None),
    ("Smoke over the camp (AFP)", None),
    ("Update (Monday) \u2014 the bridge reopened", None),
    ("BY REUTERS STAFF", "REUTERS"),
    ("courtesy of The Harbor Courier", "The Harbor Courier"),
    # Prose, not credits: the words before "staff" are not a capitalised name.
    ("He said UN staff were evacuated overnight.", None),
    ("The main current staff rotation ends in May.", None),
    ("credit card fraud rose by a third", None),
    # Other dateline punctuation, a closing credit, an outlet after the writer's name.
    ("LONDON, March 3 (Reuters): Shares fell", "Reuters"),
    ("PARIS (AFP) | The strike", "AFP"),
    ("WASHINGTON (AP) The Senate voted", "AP"),
    ("Smith (Democrat) said the vote was close", None),
    ("The ministry said the talks would resume. (Globewire)", "Globewire"),
    ("the space agency said on Friday (NASA).", None),
    ("By Jane Doe, Associated Press", "Associated Press"),
    ("By Jane Doe | Globewire", "Globewire"),
    ("By noon, the fire was out.", None),
])
def test_credits(block: str, credit: str | None) -> None:
    assert find_credit([block]) == credit


def test_a_page_crediting_its_own_site_credits_nobody() -> None:
    assert find_credit(["\u00a9 The Harbor Courier"], own_name="Harbor Courier") is None


def test_first_credit_in_page_order_wins() -> None:
    assert find_credit(["Some text.", "(Globewire) \u2014 A quake", "\u2014 Reuters"]) == "Globewire"


@pytest.mark.parametrize(("a", "b", "same"), [
    ("The Globewire", "Globewire", True), ("Continental Press Service", "continental press service", True),
    ("Reuters", "Globewire", False), ("", "", False),
])
def test_same_outlet(a: str, b: str, same: bool) -> None:
    assert same_outlet(a, b) is same
