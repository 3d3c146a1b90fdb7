"""The domain vocabulary: staff phrasing mapped to policy terms, and typo correction that leaves real words alone."""

import pytest

from assistant.vocabulary import correct_typos, expand_query, expansion_terms, topic_terms


@pytest.mark.parametrize(("question", "policy_words"), [
    ("a mum from my class added me", "parents carers"),
    ("one of the kids followed me on insta", "social media"),
    ("can I DM an ex-pupil?", "former pupils"),
    ("can I give students my cell number?", "personal telephone numbers"),
    ("is adult content on my work laptop a sacking offence?", "pornography"),
    ("can my TA borrow my work login?", "login details passwords"),
    ("slagging off the head on Facebook", "criticise"),
    ("can I accept friend requests from parents?", "friend follow"),  # plurals match too
    ("a student filmed me shouting and posted it", "cyberbullying"),
    ("can I post about the restructure before it's announced?", "confidential information"),
    ("my Strava shows where I live", "privacy settings"),
    ("a colleague shares memes mocking trans people", "gender reassignment"),
    ("what am I meant to do about it?", "report concerns"),
    ("what happens if I break the social media policy?", "disciplinary action"),
    ("could I lose my job over a post?", "disciplinary action"),
    ("a pupil messaged me saying she's been self-harming", "safeguarding"),
    ("a kid DM'd me at night saying he wants to hurt himself", "safeguarding"),
    ("can I share someone else's worksheets on my teacher Insta without crediting them?", "copyright"),
    ("is it plagiarism to post other people's resources?", "copyright"),
])
def test_staff_phrasing_brings_in_the_policy_terms(question, policy_words):
    assert policy_words in " ".join(expansion_terms(question))
    assert expand_query(question).startswith(question)


@pytest.mark.parametrize(("question", "not_meant"), [
    ("is it ok to use chatgpt to write my school reports?", "report concerns"),  # written reports, not reporting
    ("report writing season is killing me", "report concerns"),
    ("could I lose my job over a post?", "job title"),  # not a question about naming one's job
    ("I'm being abused online by a parent", "safeguarding"),  # abuse of staff is cyberbullying, not safeguarding
])
def test_look_alike_phrasing_does_not_bring_in_the_wrong_terms(question, not_meant):
    assert not_meant not in " ".join(expansion_terms(question))


def test_a_question_with_no_domain_words_is_not_expanded():
    assert expand_query("hello there") == "hello there"


@pytest.mark.parametrize(("typed", "meant"), [
    ("freind", "friend"), ("pasword", "password"), ("facebok", "facebook"), ("requets", "request"),
    ("studnets", "students"), ("parnets", "parents"), ("instagam", "instagram"), ("colleage", "colleague"),
    ("parrents", "parents"), ("facebookk", "facebook"), ("cyberbulying", "cyberbullying"),
    ("safegaurding", "safeguarding"),
])
def test_typing_slips_in_domain_words_are_corrected(typed, meant):
    assert correct_typos(f"a {typed} question") == f"a {meant} question"


@pytest.mark.parametrize("word", ["repost", "marking", "stuff", "treat", "nice", "careers", "comparing", "hinge"])
def test_real_words_are_left_alone(word):
    assert correct_typos(f"the {word} thing") == f"the {word} thing"


def test_words_the_policies_use_are_never_changed():
    assert correct_typos("frend", known_words=frozenset({"frend"})) == "frend"


@pytest.mark.parametrize(("question", "policy_words"), [
    ("can I text my 8th graders about the field trip?", "pupils students"),
    ("a kid in my homeroom followed me", "pupils students"),
    ("my vice principal says it's fine", "Headteacher"),
])
def test_american_school_words_map_to_the_policies_terms(question, policy_words):
    assert policy_words in " ".join(expansion_terms(question))


def test_american_grades_are_pupils_for_party_matching():
    from assistant.retrieve import question_parties

    assert "pupil" in question_parties("can I follow my 10th graders on TikTok?")


@pytest.mark.parametrize("question", [
    "how do the trusts handle staff keeping in touch with pupils after they leave?",
    "can I message my tutees once they've left?",
    "when she leaves in July can she still follow me?",
])
def test_pupils_who_leave_are_former_pupils(question):
    from assistant.retrieve import question_parties

    assert "former" in question_parties(question)


def test_topic_terms_name_what_a_question_is_about_not_who():
    assert topic_terms("can my ex-pupil's mum follow me on Instagram?") == {"friend follow followed accept invitation"}
    assert topic_terms("what about parents?") == frozenset()
    assert "working hours lesson time personal use" in topic_terms("is scrolling tiktok during the school day ok?")
