"""Eval scoring: hand-made gold, answers and clauses whose right figures are worked out by hand.

The fixture scenario (tests/fixtures/eval/gold.yaml + answers.jsonl) grades 9 (case, trust) pairs:

  case              trust  gold stance             answered        gold clauses  cited (own trust)   rank
  friend-pupils     wcat   prohibited              prohibited      6.1           6.1                  1
  friend-pupils     stoc   prohibited              prohibited      3.1           3.1 (ws differs)     1
  phone-staffroom   wcat   conditional|permitted   permitted       9.i           9.i.b (sub-clause)   1
  report-abuse      wcat   required                required        6.11          6.1 (+ stoc leak)    -
  pupil-photos      stoc   prohibited              permitted FLIP  3.1           3.1 (non-verbatim)   1
  crypto            wcat   not_addressed           not_addressed   -             -
  crypto            stoc   not_addressed           caution         -             5
  school-news       stoc   permitted               (no line)       3.2           -                    -
  official-account  wcat   conditional             conditional     4.2           6.1, 6.99?, 4.2      3

plus an ungraded stoc answer in phone-staffroom whose quote is empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.gold import GoldError, TrustGold, check_gold_against_clauses, load_gold, parse_gold
from evals.metrics import (
    Citation,
    TrustAnswer,
    grade_pair,
    is_verbatim_quote,
    parse_case_answers,
    percentile,
)
from evals.score import (
    AnswersFileError,
    check_thresholds,
    load_answers,
    load_thresholds,
    main_score,
    render_markdown,
    score_answers,
)

FIXTURES = Path(__file__).parent / "fixtures" / "eval"
CLAUSES: dict[str, dict[str, str]] = json.loads((FIXTURES / "clauses.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def report():
    return score_answers(load_gold(FIXTURES / "gold.yaml"), load_answers(FIXTURES / "answers.jsonl"), CLAUSES)


# --- citation matching and ranks ----------------------------------------------------------------


def _answer(trust: str, *clauses: str, stance: str | None = "permitted") -> TrustAnswer:
    return TrustAnswer(trust, stance, tuple(Citation(trust, clause, "q") for clause in clauses))


def test_sub_clause_matches_its_parent():
    pair = grade_pair("c", "wcat", "q", TrustGold(clauses=("9.i",)), _answer("wcat", "9.i.b"))
    assert pair.first_hit_rank == 1


def test_sibling_with_shared_prefix_does_not_match():
    pair = grade_pair("c", "wcat", "q", TrustGold(clauses=("6.11",)), _answer("wcat", "6.1"))
    assert pair.first_hit_rank is None
    pair = grade_pair("c", "wcat", "q", TrustGold(clauses=("6.1",)), _answer("wcat", "6.11"))
    assert pair.first_hit_rank is None


def test_other_trusts_citations_do_not_take_a_rank():
    answer = TrustAnswer("wcat", None, (Citation("stoc", "6.1", "q"), Citation("wcat", "6.1", "q")))
    pair = grade_pair("c", "wcat", "q", TrustGold(clauses=("6.1",)), answer)
    assert pair.cited_clauses == ("6.1",)
    assert pair.first_hit_rank == 1
    assert pair.citation_count == 2  # the leak still counts against precision


def test_hit_at_1_hit_at_3_and_mrr_on_ranked_lists(report):
    figures = report.overall
    assert figures.citation_pairs == 7
    assert figures.hit_at_1 == pytest.approx(4 / 7)
    assert figures.hit_at_3 == pytest.approx(5 / 7)  # official-account's gold is at rank 3
    assert figures.mrr == pytest.approx((1 + 1 + 1 + 0 + 1 + 0 + 1 / 3) / 7)
    assert figures.citation_precision == pytest.approx(5 / 9)
    assert figures.citations_per_answer == pytest.approx(9 / 6)


def test_per_trust_figures(report):
    wcat, stoc = report.per_trust["wcat"], report.per_trust["stoc"]
    assert (wcat.pairs, wcat.citation_pairs, stoc.pairs, stoc.citation_pairs) == (5, 4, 4, 3)
    assert wcat.hit_at_1 == pytest.approx(2 / 4)
    assert wcat.hit_at_3 == pytest.approx(3 / 4)
    assert wcat.mrr == pytest.approx((1 + 1 + 0 + 1 / 3) / 4)
    assert stoc.hit_at_1 == pytest.approx(2 / 3)
    assert wcat.stance_accuracy == 1.0
    assert stoc.stance_accuracy == pytest.approx(1 / 4)
    assert (wcat.cross_trust_citations, wcat.unknown_clauses, wcat.non_verbatim_quotes) == (1, 1, 0)
    assert (stoc.cross_trust_citations, stoc.unknown_clauses, stoc.non_verbatim_quotes) == (0, 0, 2)
    assert stoc.not_addressed_precision is None  # stoc never answered not_addressed
    assert stoc.not_addressed_recall == 0.0


# --- integrity ----------------------------------------------------------------------------------


def test_integrity_counts_cover_every_answer_graded_or_not(report):
    figures = report.overall
    assert figures.cross_trust_citations == 1
    assert figures.unknown_clauses == 1
    # pupil-photos' paraphrase, and the ungraded phone-staffroom stoc answer's empty quote
    assert figures.non_verbatim_quotes == 2


def test_verbatim_quote_rules():
    clause = "Employees must not post images   of pupils."
    assert is_verbatim_quote("Employees  must not\n post images of pupils", clause)
    assert is_verbatim_quote("  must not post  ", clause)
    assert not is_verbatim_quote("Employees may post images", clause)
    assert not is_verbatim_quote("", clause)
    assert not is_verbatim_quote("   \n", clause)


# --- missing answers ----------------------------------------------------------------------------


def test_missing_case_is_a_miss_a_wrong_stance_and_a_failure(report):
    assert report.overall.missing_answers == 1
    assert report.per_trust["stoc"].missing_answers == 1
    missing = [f for f in report.failures if f.case_id == "school-news"]
    assert [(f.trust, f.problems) for f in missing] == [("stoc", ("missing answer",))]


def test_missing_trust_answer_within_a_present_line():
    gold = parse_gold(
        [{"id": "c", "question": "q", "trusts": {"wcat": {"stance": "permitted", "clauses": ["6.1"]}}}]
    )
    line = {"id": "c", "answers": [{"trust": "stoc", "stance": "permitted", "citations": []}]}
    result = score_answers(gold, {"c": line}, CLAUSES)
    assert (result.overall.hit_at_1, result.overall.stance_accuracy) == (0.0, 0.0)
    assert result.failures[0].problems == ("missing answer",)


# --- stance -------------------------------------------------------------------------------------


def test_stance_accuracy_with_multi_label_gold_and_critical_flip(report):
    figures = report.overall
    assert figures.stance_pairs == 9
    assert figures.stance_accuracy == pytest.approx(6 / 9)  # phone-staffroom: permitted is acceptable
    assert figures.critical_flips == 1
    # per-label F1: prohibited 4/5, permitted 1/2, required 1, not_addressed 2/3, caution 0, conditional 1
    assert figures.stance_macro_f1 == pytest.approx((0.8 + 0.5 + 1 + 2 / 3 + 0 + 1) / 6)


def test_not_addressed_precision_and_recall(report):
    assert report.overall.not_addressed_precision == 1.0
    assert report.overall.not_addressed_recall == 0.5


def test_unambiguous_not_addressed_recall_counts_only_gold_that_accepts_nothing_else():
    gold = parse_gold([
        {"id": "silent", "question": "q", "trusts": {"wcat": {"stance": "not_addressed"}}},
        {"id": "either", "question": "q", "trusts": {"wcat": {"stance": ["not_addressed", "caution"]}}},
    ])
    lines = {
        "silent": {"id": "silent", "answers": [{"trust": "wcat", "stance": "not_addressed", "citations": []}]},
        "either": {"id": "either", "answers": [{"trust": "wcat", "stance": "caution", "citations": []}]},
    }
    figures = score_answers(gold, lines, CLAUSES).overall
    assert figures.stance_accuracy == 1.0  # caution is acceptable for "either"
    assert figures.not_addressed_recall == 0.5  # yet it counts as a miss over every gold accepting not_addressed
    assert figures.not_addressed_recall_unambiguous == 1.0


def test_critical_flip_needs_every_acceptable_label_to_be_the_opposite():
    gold = TrustGold(stances=("prohibited", "caution"))
    assert not grade_pair("c", "wcat", "q", gold, _answer("wcat", stance="permitted")).critical_flip
    gold = TrustGold(stances=("permitted",))
    assert grade_pair("c", "wcat", "q", gold, _answer("wcat", stance="prohibited")).critical_flip


def test_confusion_matrix_uses_acceptable_prediction_as_truth(report):
    matrix = report.confusion
    assert matrix.true_labels == ("prohibited", "conditional", "permitted", "required", "not_addressed")
    assert matrix.predicted_labels == (
        "prohibited",
        "conditional",
        "caution",
        "permitted",
        "required",
        "not_addressed",
        "(no answer)",
    )
    rows = dict(zip(matrix.true_labels, matrix.counts))
    assert rows["prohibited"] == (2, 0, 0, 1, 0, 0, 0)
    assert rows["permitted"] == (0, 0, 0, 1, 0, 0, 1)
    assert rows["not_addressed"] == (0, 0, 1, 0, 0, 1, 0)


def test_baseline_without_stances_gets_na_stance_figures():
    gold = load_gold(FIXTURES / "gold.yaml")
    lines = [json.loads(line) for line in (FIXTURES / "answers.jsonl").read_text().splitlines()]
    for line in lines:
        for answer in line["answers"]:
            answer["stance"] = None
    baseline = score_answers(gold, {line["id"]: line for line in lines}, CLAUSES)
    assert baseline.overall.stance_accuracy is None
    assert baseline.overall.stance_accuracy_interval is None
    assert baseline.overall.not_addressed_recall is None
    assert baseline.overall.critical_flips is None
    assert baseline.confusion is None
    assert baseline.overall.hit_at_1 == pytest.approx(4 / 7)  # citations graded the same way
    assert not any("stance" in problem for f in baseline.failures for problem in f.problems)


# --- intervals, latency, failures ---------------------------------------------------------------


def test_bootstrap_intervals_are_deterministic_and_bracket_the_figure(report):
    again = score_answers(
        load_gold(FIXTURES / "gold.yaml"), load_answers(FIXTURES / "answers.jsonl"), CLAUSES
    )
    assert report.overall.hit_at_1_interval == again.overall.hit_at_1_interval
    interval = report.overall.stance_accuracy_interval
    assert 0.0 <= interval.low <= 6 / 9 <= interval.high <= 1.0


def test_latency_percentiles(report):
    assert report.latency_p50_ms == pytest.approx(350.0)
    assert report.latency_p95_ms == pytest.approx(575.0)
    assert percentile([], 50) is None


def test_failure_list_says_what_went_wrong(report):
    by_pair = {(f.case_id, f.trust): f.problems for f in report.failures}
    assert by_pair == {
        ("report-abuse", "wcat"): (
            "gold clause not in top-3: cited [6.1] expected [6.11]",
            "cross-trust citation: stoc 3.1 in the wcat answer",
        ),
        ("pupil-photos", "stoc"): (
            "wrong stance (critical flip): answered permitted, expected prohibited",
            "non-verbatim quote for stoc 3.1: 'Employees may post images of pupils'",
        ),
        ("crypto", "stoc"): ("wrong stance: answered caution, expected not_addressed",),
        ("school-news", "stoc"): ("missing answer",),
        ("official-account", "wcat"): ("unknown clause: wcat 6.99",),
        ("phone-staffroom", "stoc"): ("non-verbatim quote for stoc 3.2: ''",),
    }
    assert [f.case_id for f in report.failures][-1] == "phone-staffroom"  # ungraded answers come last
    assert report.failures[0].question == "Who do I tell about abuse I receive online?"


# --- thresholds and Markdown --------------------------------------------------------------------


def test_threshold_failures(report):
    messages = check_thresholds(report, load_thresholds(FIXTURES / "thresholds.yaml"))
    assert len(messages) == 8
    failed = {message.split()[0] for message in messages}
    assert failed == {
        "hit_at_1",
        "hit_at_3",
        "stance_accuracy",
        "not_addressed_recall",
        "cross_trust_citations",
        "unknown_clauses",
        "non_verbatim_quotes",
        "critical_flips",
    }
    assert "hit_at_1 0.571 is below the threshold 0.850" in messages
    assert check_thresholds(report, {"not_addressed_precision": 0.85, "hit_at_1": 0.5}) == []
    with pytest.raises(ValueError, match="unknown threshold"):
        check_thresholds(report, {"hit_at_one": 0.9})


def test_markdown_puts_systems_side_by_side(report):
    gold = load_gold(FIXTURES / "gold.yaml")
    baseline = score_answers(gold, {"official-account": {"id": "official-account", "answers": []}}, CLAUSES)
    markdown = render_markdown({"ours": report, "baseline": baseline})
    assert "| figure | ours | baseline |" in markdown
    assert "| hit@1 | 0.571 [" in markdown
    assert "| stance accuracy | 0.667 [" in markdown
    assert "## Stance confusion matrix: ours" in markdown
    assert "## Failures: ours (6)" in markdown
    assert "### baseline" in markdown
    assert "| latency p50 (ms) | 350 | n/a |" in markdown


# --- input validation ---------------------------------------------------------------------------


def test_gold_errors_name_the_case():
    def case(**trust_entry):
        return [{"id": "x", "question": "q?", "trusts": {"wcat": trust_entry}}]

    with pytest.raises(GoldError, match=r"case 'x', trust 'wcat': unknown stance 'maybe'; expected one of"):
        parse_gold(case(stance="maybe"))
    with pytest.raises(GoldError, match=r"case 'x'.*must be quoted"):
        parse_gold(case(clauses=[6.1]))
    with pytest.raises(GoldError, match=r"case 'x'.*unknown key"):
        parse_gold(case(clause=["6.1"]))
    with pytest.raises(GoldError, match=r"case 'x': unknown trust 'nope'"):
        parse_gold([{"id": "x", "question": "q?", "trusts": {"nope": {}}}], known_trusts={"wcat"})
    with pytest.raises(GoldError, match=r"case 'x': duplicate"):
        parse_gold(case(stance="permitted") * 2)
    assert check_gold_against_clauses(parse_gold(case(clauses=["6.12", "9"])), {"wcat": {"9.i": ""}}) == [
        "case 'x': trust 'wcat' has no clause '6.12'"
    ]


def test_bad_answers_line_names_the_line():
    with pytest.raises(AnswersFileError, match="line 2"):
        load_answers(FIXTURES / "answers_bad_line.jsonl")
    with pytest.raises(ValueError, match="'answers' must be a list"):
        parse_case_answers({"id": "c", "answers": {}})


# --- CLI ----------------------------------------------------------------------------------------


def _run(tmp_path, gold: str, answers: str, capsys) -> tuple[int, str, str]:
    code = main_score(
        [str(FIXTURES / gold), str(FIXTURES / answers), "--out", str(tmp_path),
         "--thresholds", str(FIXTURES / "thresholds.yaml")], lambda: CLAUSES
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_exit_0_when_every_threshold_holds(tmp_path, capsys):
    code, out, _ = _run(tmp_path, "gold_perfect.yaml", "answers_perfect.jsonl", capsys)
    assert code == 0
    assert "All thresholds hold." in out
    assert (tmp_path / "score.md").read_text(encoding="utf-8") == out.rstrip("\n") + "\n"
    assert json.loads((tmp_path / "score.json").read_text())["report"]["overall"]["hit_at_1"] == 1.0


def test_cli_exit_1_when_a_threshold_fails(tmp_path, capsys):
    code, out, _ = _run(tmp_path, "gold.yaml", "answers.jsonl", capsys)
    assert code == 1
    assert "- FAIL: critical_flips 1 is above the maximum 0" in out
    summary = json.loads((tmp_path / "score.json").read_text())
    assert len(summary["threshold_failures"]) == 8


def test_cli_exit_2_on_bad_input(tmp_path, capsys):
    code, _, err = _run(tmp_path, "gold.yaml", "answers_bad_line.jsonl", capsys)
    assert code == 2
    assert "line 2" in err
    code, _, err = _run(tmp_path, "gold.yaml", "no_such_file.jsonl", capsys)
    assert code == 2
    assert "no_such_file.jsonl" in err
    bad_gold = tmp_path / "gold.yaml"
    bad_gold.write_text("- id: x\n  question: q?\n  trusts: {wcat: {stance: maybe}}\n")
    code = main_score(
        [str(bad_gold), str(FIXTURES / "answers.jsonl"), "--out", str(tmp_path)], lambda: CLAUSES
    )
    assert code == 2
    assert "unknown stance 'maybe'" in capsys.readouterr().err
    assert not (tmp_path / "score.json").exists()


@pytest.mark.parametrize("name", ["gold.yaml", "holdout.yaml", "holdout_b.yaml", "holdout_c.yaml", "holdout_d.yaml",
                                  "holdout_e.yaml"])
def test_the_project_question_sets_name_only_real_trusts_and_clauses(name):
    from ingest.corpus import load_corpus_clauses

    clauses = {t: {c.id: c.text for c in cs} for t, cs in load_corpus_clauses().items()}
    cases = load_gold(Path(__file__).resolve().parent.parent / "evals" / name, known_trusts=set(clauses))
    assert check_gold_against_clauses(cases, clauses) == []
