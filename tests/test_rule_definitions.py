"""Rule definitions: metadata, documentation sections, declared options and severities."""

from __future__ import annotations

import re

import pytest

from builders import EDITS
from dnndoctor.findings import CATEGORIES, Severity
from dnndoctor.rules import ALL_RULES, find_rule
from dnndoctor.rules.rule import DOC_SECTIONS, Option, Rule
from test_ranking import DOC

W = Severity.WARNING


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.id)
def test_rule_metadata_and_docs(rule):
    assert re.fullmatch(r"DD\d{3}", rule.id)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert rule.category in CATEGORIES
    assert isinstance(rule.severity, Severity)
    doc = rule.documentation()
    for section in DOC_SECTIONS:
        assert f"\n{section}\n" in doc
    assert rule.summary() == doc.splitlines()[0] and rule.summary().endswith(".")
    assert find_rule(rule.id) is rule and find_rule(rule.name) is rule and find_rule(rule.id.lower()) is rule
    assert set(rule.needs) <= set(EDITS)


def test_rule_ids_and_names_are_unique():
    assert len({r.id for r in ALL_RULES}) == len({r.name for r in ALL_RULES}) == len(ALL_RULES) == 25


def test_find_rule_unknown():
    assert find_rule("DD999") is None and find_rule("no-such-rule") is None


@pytest.mark.parametrize("attrs, doc, problem", [
    ({"id": "D101"}, DOC, "id"),
    ({"id": "dd101"}, DOC, "id"),
    ({"name": "Bad_Name"}, DOC, "kebab-case"),
    ({"category": "not-a-category"}, DOC, "category"),
    ({}, DOC.replace("Measured\n", "Measurements:\n"), "Measured"),
    ({}, None, "What it does"),
])
def test_bad_rule_definitions_raise_type_error(attrs, doc, problem):
    namespace = {"id": "DD999", "name": "bad-rule", "category": "non-finite", "severity": W, "__doc__": doc, **attrs}
    with pytest.raises(TypeError, match=re.escape(problem)):
        type("BadRule", (Rule,), namespace)


# -- edge cases ----------------------------------------------------------------------------


def _rule(**attrs) -> type[Rule]:
    namespace = {"id": "DD998", "name": "made-up", "category": "non-finite", "severity": W, "__doc__": DOC, **attrs}
    return type("MadeUp", (Rule,), namespace)


@pytest.mark.parametrize("attrs, problem", [
    ({"options": (Option("name", float, 0.5, (0, 1), "clashes with the rule's name"),)}, "'name' is taken"),
    ({"options": (Option("gain", float, 2.0, (1, 9), "x"), Option("gain", float, 3.0, (1, 9), "x"))},
     "'gain' is taken"),
    ({"severity": W, "severities": (Severity.ERROR,)}, "severity warning is not among its severities"),
    ({"__doc__": DOC.replace("Measured\nx", "Measured\nabove {floor:.0%}")}, "placeholder 'floor'"),
])
def test_bad_option_and_severity_declarations_raise_type_error(attrs, problem):
    with pytest.raises(TypeError, match=re.escape(problem)):
        _rule(**attrs)


@pytest.mark.parametrize("args, problem", [
    (("gain", float, 0.5, (1, 9), "a default out of range"), "default 0.5 is not a number from 1 to 9"),
    (("Gain", float, 2.0, (1, 9), "not lower case"), "lower-case name"),
    (("gain", str, "2", (1, 9), "not a number"), "the type int or float"),
])
def test_an_option_declaration_is_checked(args, problem):
    with pytest.raises(TypeError, match=re.escape(problem)):
        Option(*args)


def test_a_rule_may_not_emit_a_severity_it_does_not_declare():
    rule = _rule(check=lambda self, measured: [self.finding("x.", {}, severity=Severity.ERROR)])()
    with pytest.raises(ValueError, match="DD998 emits error, which it does not declare"):
        rule.check(None)


def test_documentation_shows_the_declared_values():
    rule = _rule(__doc__=DOC.replace("Measured\nx", "Measured\nabove {floor:.0%}, {VERIFIED_GAIN:g}× lower"),
                 options=(Option("floor", float, 0.05, (0, 1), "a floor"),))
    assert "above 5%, 2× lower" in rule.documentation()
