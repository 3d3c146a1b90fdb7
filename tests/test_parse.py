"""Clause parsing: golden ids for the five policies, spot-checked texts, and small synthetic documents."""

from __future__ import annotations

import pytest
from helpers import golden_ids

from ingest.corpus import load_corpus_clauses, load_trusts
from ingest.errors import NoClausesFound
from ingest.parse import Line, clean_text, normalise_ws, parse_lines, parse_text

TRUSTS = sorted(golden_ids())


@pytest.fixture(scope="module")
def corpus():
    return load_corpus_clauses()


def clause(corpus, trust, clause_id):
    return next(c for c in corpus[trust] if c.id == clause_id)


def ids(text: str) -> list[str]:
    return [c.id for c in parse_text(text, "new", "new.txt")]


# --- the five policies against the golden ids ------------------------------------------------------


def test_golden_covers_every_corpus_trust():
    assert set(golden_ids()) == set(load_trusts())


@pytest.mark.parametrize("trust", TRUSTS)
def test_clause_ids_match_golden(corpus, trust):
    assert [c.id for c in corpus[trust]] == golden_ids()[trust]


@pytest.mark.parametrize("trust", TRUSTS)
def test_clause_records_are_consistent(corpus, trust):
    clauses = corpus[trust]
    assert [c.order for c in clauses] == list(range(len(clauses)))
    assert {c.trust for c in clauses} == {trust}
    assert {c.source for c in clauses} == {load_trusts()[trust].source}
    assert all(c.section == c.id.split(".")[0] for c in clauses)
    assert all(c.text and c.text == normalise_ws(c.text) for c in clauses)


@pytest.mark.parametrize("trust", TRUSTS)
def test_no_extraction_artefacts_in_text(corpus, trust):
    for c in corpus[trust]:
        for artefact in ("[bookmark", "\uf0b7", "\x00", "\xa0", "\t", "**"):
            assert artefact not in c.text, (c.id, artefact)


def test_sjeat_hard_wrapped_clause_is_joined(corpus):
    text = clause(corpus, "sjeat", "6.11").text
    assert text.startswith(
        "Adults must be cautious about following or being followed by parents/carers of pupils, accepting"
    )
    assert text.endswith("detailed in this policy.")


def test_sjeat_heading_with_unnumbered_text_gets_the_heading_id(corpus):
    text = clause(corpus, "sjeat", "4").text
    assert text.startswith("The Head of School and the Governing Body will:- • ensure that all adults")


def test_dsat_clause_after_the_contents_list(corpus):
    c = clause(corpus, "dsat", "4.3.2")
    assert c.text == "Staff should never 'friend' a pupil at <Academy> where they are working onto their social networking site."
    assert c.section_title == "Safer Social Media Practice in Academies › Safer Online Behaviour"


def test_dsat_text_under_a_heading_gets_the_heading_id(corpus):
    text = clause(corpus, "dsat", "4.3").text
    assert text.startswith("Managing personal information effectively makes it far less likely")
    assert text.endswith("It also reduces the potential for identity theft by third parties.")


def test_dsat_heading_written_with_trailing_dot(corpus):
    c = clause(corpus, "dsat", "4.4")
    assert c.text == "Staff should ensure that they do not use <Academy> ICT equipment for personal use, e.g. camera or computers."
    assert c.section_title.endswith("› Protection of Personal Information")


def test_dsat_bold_heading_in_a_dash_list(corpus):
    c = clause(corpus, "dsat", "4.5")
    assert c.section_title.endswith("› Communication between Pupils/Academy Staff")
    assert c.text.startswith("Communication between pupils and staff, by whatever method")


def test_wcat_lettered_sub_clause(corpus):
    c = clause(corpus, "wcat", "9.i.b")
    assert c.text.startswith("If cyberbullying takes place, adults should keep records of the abuse")
    assert c.text.endswith("record the time, date and location of the site.")
    assert c.section == "9"
    assert c.section_title == "Cyberbullying and trolling › Cyberbullying"


def test_wcat_clause_keeps_its_lettered_list(corpus):
    text = clause(corpus, "wcat", "6.xxv").text
    assert "apply to statements which: a) Expose (an individual) to hatred, ridicule or contempt;" in text
    for item in ("b) Cause (an individual)", "c) Lower (an individual’s)", "d) Disparage (an individual in their)"):
        assert item in text
    assert text.endswith("business, trade, office or profession.")


def test_littletown_clause_keeps_its_bullets(corpus):
    text = clause(corpus, "littletown", "3.1").text
    assert text.startswith("Staff should: • be aware of their online reputation")
    assert text.count("•") == 4
    assert text.endswith("If in doubt, don’t post it.")


def test_littletown_bookmark_artefact_is_dropped(corpus):
    text = clause(corpus, "littletown", "9.2").text
    assert text.startswith("If in the course of the investigation, it is found that a pupil")


def test_stoc_point_zero_headings_are_cited_without_zero(corpus):
    stoc_ids = [c.id for c in corpus["stoc"]]
    assert stoc_ids[0] == "1.1" and stoc_ids[-1] == "6"
    assert not any(i.endswith(".0") for i in stoc_ids)
    assert clause(corpus, "stoc", "6").text.startswith("The following definitions are crucial")
    assert clause(corpus, "stoc", "6").section_title == "Glossary of Terms"


# --- a sixth policy in each style: no code change needed ---------------------------------------------

WCAT_STYLE = """Oakfield Catholic Trust Social Media Policy

1. Introduction
i. This policy sets out how staff use social media.
ii. Staff must not befriend pupils online.
2. Cyberbullying
i. Cyberbullying
a. Cyberbullying is the use of technology to intimidate.
b. Staff should keep records of abuse.
ii. Staff must report all incidents to the Headteacher.
iii. Some laws apply to statements which:
a) Expose a person to hatred;
b) Lower a person's standing.
"""

DSAT_STYLE = """Meadow Academy Trust

1. Introduction
2. Conduct
 - 2.1 Personal accounts
 - 2.2 Official accounts

1. Introduction

- 1.1 This policy applies to all employees of Meadow Trust.

2. Conduct

2.1 Personal accounts

Staff should keep their personal accounts private.

2.1.1 Staff should never accept pupils as friends.

2.2. Official accounts

Official accounts are run by the school office.

- 2.2.1 Staff post only approved content.
- 2.3 **Monitoring**
The school monitors its official accounts.
"""

STOC_STYLE = """Social Media Policy

Policy Level\tTrust\tRef No\tCOM09
Version number\tDate Issued\tAuthor
1.0\tSummer Term 2024\tCEO

Contents
Section\tPage
1.0 Policy Statement\t1
2.0 Staff Use\t1
3.0 Glossary\t2

1.0 Policy Statement

1.1 The Riverside Trust values social media.
1.2 The Trust expects staff to use it with care.

2.0 Staff Use

- 2.1 Staff will not contact pupils on personal accounts.
- 2.2 Staff should use the highest privacy settings.

3.0 Glossary

Social media means any interactive online media.
"""

LITTLETOWN_STYLE = """ 1. Introduction\u00a0
Hillside Primary Academy recognises the benefits of social media.
\u00a0
2. Acceptable use
2.1 Staff should:
\u00b7 be aware of their online reputation
\u00b7 not post confidential information
[bookmark: _GoBack]\u00a0 2.2 Staff must not accept friend requests from pupils.\u00a0
"""

SJEAT_STYLE = """ 1. Introduction 
 

1.1. This policy recognises that new technologies are an 
integral part of everyday life and make an important 
contribution to teaching. 

 
1.2. Adults must keep personal and work lives separate in 

all places and at all times. 

2. Roles 

 The Head of School will:- 
\uf0b7 ensure adults know this policy; 
\uf0b7 act on concerns promptly. 

3. Principles 
3.1 The principles are:- 
\uf0b7 adults are responsible for their own actions; 
\uf0b7 adults must work in an open way. 
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(WCAT_STYLE, ["1.i", "1.ii", "2.i.a", "2.i.b", "2.ii", "2.iii"], id="wcat-style"),
        pytest.param(DSAT_STYLE, ["1.1", "2.1", "2.1.1", "2.2", "2.2.1", "2.3"], id="dsat-style"),
        pytest.param(STOC_STYLE, ["1.1", "1.2", "2.1", "2.2", "3"], id="stoc-style"),
        pytest.param(LITTLETOWN_STYLE, ["1", "2.1", "2.2"], id="littletown-style"),
        pytest.param(SJEAT_STYLE, ["1.1", "1.2", "2", "3.1"], id="sjeat-style"),
    ],
)
def test_sixth_policy_in_each_style(text, expected):
    assert ids(text) == expected


def test_sixth_policy_texts_and_titles():
    wcat = {c.id: c for c in parse_text(WCAT_STYLE, "oak", "oak.txt")}
    assert wcat["2.i.b"].section_title == "Cyberbullying › Cyberbullying"
    assert wcat["2.iii"].text == "Some laws apply to statements which: a) Expose a person to hatred; b) Lower a person's standing."
    dsat = {c.id: c for c in parse_text(DSAT_STYLE, "meadow", "meadow.txt")}
    assert dsat["2.2"].text == "Official accounts are run by the school office."
    assert dsat["2.3"].section_title == "Conduct › Monitoring"
    sjeat = {c.id: c for c in parse_text(SJEAT_STYLE, "sj", "sj.txt")}
    assert sjeat["1.2"].text == "Adults must keep personal and work lives separate in all places and at all times."
    assert sjeat["2"].text == "The Head of School will:- • ensure adults know this policy; • act on concerns promptly."


def test_contents_list_before_the_body_is_skipped():
    text = "Contents\n1. Scope\n2. Conduct\n3. Review\n\n1. Scope\n1.1 Applies to all staff.\n1.2 And to volunteers.\n" \
           "2. Conduct\n2.1 Be professional online.\n3. Review\n3.1 Reviewed every year.\n"
    clauses = parse_text(text, "new", "new.txt")
    assert [c.id for c in clauses] == ["1.1", "1.2", "2.1", "3.1"]
    assert clauses[0].text == "Applies to all staff."


def test_contents_list_is_skipped_in_a_two_section_document():
    text = "Version\tDate\n1.0\tSummer Term 2024\n\nContents\n1.0 Scope\t1\n2.0 Conduct\t1\n\n" \
           "1.0 Scope\n1.1 Applies to all staff.\n1.2 And to volunteers.\n" \
           "2.0 Conduct\n2.1 Be professional online.\n2.2 Never befriend pupils.\n"
    assert ids(text) == ["1.1", "1.2", "2.1", "2.2"]


def test_text_under_a_heading_gets_the_heading_id():
    clauses = parse_text("1. Purpose\nThis policy protects pupils.\n2. Scope\n2.1 It applies to staff.\n", "n", "n")
    assert [(c.id, c.section_title, c.text) for c in clauses] == [
        ("1", "Purpose", "This policy protects pupils."),
        ("2.1", "Scope", "It applies to staff."),
    ]


def test_wrapped_clause_whose_next_line_starts_with_a_capital():
    text = "1. Scope\ni. First clause text here.\nii. Unless indicated otherwise, all references apply to the school’s\n" \
           "Local Governing Body or Interim Management Board.\niii. Adults must be nice.\n"
    c = parse_text(text, "n", "n")[1]
    assert c.text == "Unless indicated otherwise, all references apply to the school’s " \
                     "Local Governing Body or Interim Management Board."
    assert c.section_title == "Scope"


def test_lettered_clauses_run_past_h():
    letters = "abcdefghij"
    text = "1. Rules\ni. General\n" + "\n".join(f"{x}. Staff must follow rule {x}." for x in letters)
    assert ids(text) == [f"1.i.{x}" for x in letters]


@pytest.mark.parametrize("glyph", ["\x00", "\uf0b7", "\uf0a7", "\u00b7", "\u2022"])
def test_bullet_glyphs_are_normalised(glyph):
    text = f"1. Rules\n1.1 Staff must:\n{glyph} be kind\n{glyph}\tbe fair\n"
    assert parse_text(text, "n", "n")[0].text == "Staff must: • be kind • be fair"


def test_hyphenated_word_across_lines_is_rejoined():
    text = "1. Conduct\n1.1 Staff must keep profes-\nsional boundaries at all times.\n"
    assert parse_text(text, "n", "n")[0].text == "Staff must keep professional boundaries at all times."
    assert clean_text("a profes-\nsional b") == "a professional\nb"


def test_hyphen_before_a_capital_is_kept():
    assert clean_text("Counter -\nTerrorism and self-\nEmployed") == "Counter -\nTerrorism and self-\nEmployed"


def test_page_footers_are_dropped_and_pages_recorded():
    lines = [Line("1. Conduct", 1), Line("1.1 Staff must be", 1), Line("Page 1 of 2", 1), Line("kind online.", 2),
             Line("1.2 Staff must report abuse.", 2)]
    clauses = parse_lines(lines, "n", "n.pdf")
    assert [(c.id, c.text, c.page) for c in clauses] == [
        ("1.1", "Staff must be kind online.", 1),
        ("1.2", "Staff must report abuse.", 2),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Social media policy\n\nStaff should be careful online.\nThey must not befriend pupils.\n",
        "",
        "1.\n2.\n",
    ],
    ids=["prose", "empty", "bare-numbers"],
)
def test_document_without_numbering_raises(text):
    with pytest.raises(NoClausesFound):
        parse_text(text, "n", "n")
