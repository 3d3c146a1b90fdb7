"""Reading a question in its conversation (assistant.conversation): pure functions, no model, no index."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.conversation import (
    MAX_QUESTION_CHARS,
    InputProblem,
    clean_question,
    is_follow_up,
    read_question,
    strip_pleasantries,
    PEOPLE_SWITCH_WEIGHT,
    SWITCH_WEIGHT,
    follow_up_weight,
    trusts_named,
    unplaced_school,
)
from ingest.corpus import load_trusts

TRUSTS = load_trusts()
FIRST = "Can I follow a pupil on Instagram?"


def read(question: str, history: tuple[str, ...] = ()):
    return read_question(question, history, TRUSTS)


# --- which trusts a question names ---


@pytest.mark.parametrize("text, school", [
    ("I work at St Mary's Primary, can I accept a friend request from a parent?", "St Mary's Primary"),
    ("im at st marys, can i text a parent?", "st marys"),
    ("at Oakfield Primary we use Class Dojo", "Oakfield Primary"),
    ("I'm in my first year at Westfield High", "Westfield High"),
    ("Hilltop C of E Academy staff here", "Hilltop C of E Academy"),
    # schools the trusts' metadata lists, and words that name no school
    ("I'm at St Paul's. Can I follow a pupil?", ""),
    ("I teach at St Elizabeth's Catholic Primary", ""),
    ("at St James primary", ""),
    ("I work in a primary school", ""),
    ("Is the Trust Academy allowed to see my posts?", ""),
    ("My Academy uses Teams", ""),
])
def test_a_school_no_trust_lists_is_recognised(text, school):
    assert unplaced_school(text, TRUSTS) == school
    assert read(text).unplaced_school == school


def test_corpus_has_the_five_trusts():
    assert list(TRUSTS) == ["wcat", "dsat", "stoc", "littletown", "sjeat"]


@pytest.mark.parametrize("text, expected", [
    # by id, any case
    ("Is this different at wcat?", ("wcat",)),
    ("What does DSAT say about photos?", ("dsat",)),
    ("stoc rules on friend requests", ("stoc",)),
    # by short name
    ("I work for SJEAT, can I follow pupils?", ("sjeat",)),
    ("Littletown: can I use my phone in class?", ("littletown",)),
    # by full name
    ("I work for Wythenshawe Catholic Academy Trust", ("wcat",)),
    ("Diocese of Salisbury Academy Trust staff here", ("dsat",)),
    ("St James and Emmanuel Academy Trust policy on Facebook", ("sjeat",)),
    ("I teach at Littletown Primary Academy and Nursery", ("littletown",)),
    # by a school's alias, with straight or curly apostrophes and stray spacing
    ("I'm a TA at St Anthony's", ("wcat",)),
    ("I'm a TA at St Anthony’s", ("wcat",)),
    ("I'm a TA at St  Anthony's", ("wcat",)),
    ("I teach at st paul's catholic high", ("wcat",)),
    ("I teach at St. Paul's", ("wcat",)),
    ("I'm at Saint Elizabeth's", ("wcat",)),
    ("i work at st pauls", ("wcat",)),
    ("I'm starting at St John Fisher in September", ("wcat",)),
    ("I work at St James and Emmanuel", ("sjeat",)),
    ("at St James and Emmanuel", ("sjeat",)),
    ("Littletown Primary", ("littletown",)),
    ("DSAT", ("dsat",)),
    ("we're a Salisbury diocese school", ("dsat",)),
])
def test_trusts_named_by_id_name_and_alias(text, expected):
    assert trusts_named(text, TRUSTS) == expected


@pytest.mark.parametrize("text", [
    "Can I accept a friend request from a pupil on Facebook?",
    "a parent sent me a friend request, can I accept?",
    "Where is the stock room key?",  # "stock" is not STOC
    "My friend Jameson teaches at another school",  # "Jameson" is not St James
])
def test_no_trust_named(text):
    assert trusts_named(text, TRUSTS) == ()


def test_several_trusts_named_come_back_in_corpus_order():
    assert trusts_named("Compare SJEAT, DSAT and Wythenshawe on photos", TRUSTS) == ("wcat", "dsat", "sjeat")


def test_a_trust_named_twice_is_listed_once():
    # "St James and Emmanuel" also contains the aliases "st james" and "emmanuel".
    assert trusts_named("St James and Emmanuel (SJEAT): St James school", TRUSTS) == ("sjeat",)


# --- follow-ups ---


def test_follow_up_is_read_with_the_earlier_question():
    question = read("and what about ones who have left?", (FIRST,))
    assert question.follow_up
    assert question.text == "and what about ones who have left?"
    assert question.retrieval_text == f"{FIRST} and what about ones who have left?"
    assert question.trusts == ()
    assert not question.comparison


@pytest.mark.parametrize("follow_up", ["how does that compare across all five?", "and at DSAT?",
                                       "what would the answer be for St Paul's?"])
def test_a_follow_up_with_no_subject_of_its_own_searches_for_the_earlier_question_alone(follow_up):
    question = read(follow_up, (FIRST,))
    assert question.follow_up
    assert question.retrieval_text == FIRST


def test_a_follow_up_with_no_history_is_just_a_question():
    question = read("and what about ones who have left?")
    assert not question.follow_up
    assert question.retrieval_text == question.text


def test_a_long_new_question_is_not_a_follow_up():
    long_question = ("Can I post photos of pupils from the school trip on my own personal Instagram account, and "
                     "does it matter if the account is set to private and only friends and family can see them?")
    assert len(long_question.split()) > 25
    question = read(long_question, (FIRST,))
    assert not question.follow_up
    assert question.retrieval_text == long_question


def test_a_new_question_without_follow_up_words_is_not_a_follow_up():
    assert not is_follow_up("Can I post photos of pupils on my personal Facebook?")
    question = read("Can I post photos of pupils on my personal Facebook?", (FIRST,))
    assert not question.follow_up
    assert question.retrieval_text == "Can I post photos of pupils on my personal Facebook?"


def test_only_the_last_earlier_turn_is_prefixed():
    history = ("Can I text parents from my phone?", FIRST)
    question = read("and what about ones who have left?", history)
    assert question.retrieval_text.startswith(FIRST)
    assert "text parents" not in question.retrieval_text


def test_blank_history_turns_are_ignored():
    question = read("and what about ones who have left?", ("", "   ", FIRST))
    assert question.follow_up and question.retrieval_text.startswith(FIRST)


def test_a_follow_up_inherits_the_trust_of_the_earlier_turn():
    question = read("and what about ones who have left?", ("I'm a TA at St Anthony's. " + FIRST,))
    assert question.trusts == ("wcat",)
    assert question.follow_up


def test_the_trust_is_inherited_from_the_latest_turn_that_named_one():
    history = ("Can I follow pupils at DSAT?", "I'm a TA at St Anthony's. " + FIRST, "and parents?")
    assert read("and what about ones who have left?", history).trusts == ("wcat",)


def test_a_follow_up_that_names_another_trust_switches_to_it():
    question = read("and at DSAT?", ("I'm a TA at St Anthony's. " + FIRST,))
    assert question.follow_up
    assert question.trusts == ("dsat",)
    assert question.retrieval_text.startswith(FIRST)  # read with the earlier question (its small talk left out)


@pytest.mark.parametrize("follow_up", ["what do the other four say?", "and the other trusts?", "what about the rest?",
                                       "ok, and everyone else?"])
def test_asking_the_other_trusts_asks_every_trust_but_the_conversations(follow_up):
    question = read(follow_up, ("I'm a TA at St Anthony's. " + FIRST,))
    assert question.follow_up
    assert question.trusts == ("dsat", "stoc", "littletown", "sjeat")
    assert question.comparison
    assert question.asking_text.startswith(FIRST)  # asks the earlier question of them


@pytest.mark.parametrize("follow_up", ["how does that compare across all five?", "and how do the trusts compare?",
                                       "is that the same across the trusts?"])
def test_a_comparison_follow_up_with_no_subject_asks_the_earlier_question_of_every_trust(follow_up):
    question = read(follow_up, (FIRST,))
    assert question.follow_up and question.comparison
    assert question.trusts == ()  # every trust
    assert question.asking_text == FIRST  # "how does that compare" is no "how" question of its own


@pytest.mark.parametrize("question", ["Can I post photos of me and the others from the staff party?",
                                      "The other two TAs and I want to start a class blog. Is that ok?"])
def test_the_others_in_a_question_of_its_own_is_no_switch_of_trust(question):
    assert read(question, ("I'm at DSAT. " + FIRST,)).trusts == ("dsat",)


def test_history_is_cleaned_too():
    with pytest.raises(InputProblem):
        read("and what about ones who have left?", ("x" * 20_000,))


# --- comparisons ---


@pytest.mark.parametrize("text", [
    "how do the trusts differ on following pupils on Instagram?",
    "Compare the policies on accepting friend requests from parents",
    "Which trusts ban staff from being friends with parents?",
    "Is the rule on photos consistent across the trusts?",
    "What do the other trusts say about personal phones?",
    "Is it the same across all the trusts?",
    "Do all the policies say the same about photos of pupils?",
])
def test_comparison_detected(text):
    question = read(text)
    assert question.comparison
    assert question.trusts == ()  # a comparison with no list of trusts covers them all


def test_an_ordinary_question_is_not_a_comparison():
    assert not read("Can I accept a friend request from a pupil on Facebook?").comparison


@pytest.mark.parametrize("text", [
    "How do the different policies handle relatives who are pupils?",
    "Each school has its own policy at the moment. What does each policy say about cyberbullying?",
    "Which trust lets staff keep in touch with ex-pupils?",
])
def test_more_ways_to_ask_for_a_comparison(text):
    assert read(text).comparison


@pytest.mark.parametrize("text, expected", [
    ("Different question - can I post pics from the trip on my own insta? I'm at Littletown", ("littletown",)),
    ("I work at St Thomas More, not sure which trust we're under - can I follow ex students?", ("wcat",)),
    ("Surely family is different? I'm at DSAT, do I have to unfriend my niece?", ("dsat",)),
])
def test_different_or_which_trust_alone_is_not_a_comparison(text, expected):
    question = read(text)
    assert not question.comparison
    assert question.trusts == expected


def test_a_new_topic_keeps_the_trust_of_the_conversation():
    question = read("different question - can I post pics from the school trip on my own insta?",
                    ("I work at Littletown, can I text pupils?",))
    assert not question.follow_up and not question.comparison
    assert question.trusts == ("littletown",)


def test_would_it_be_different_at_another_trust_compares_the_two():
    question = read("And if I moved to a STOC school, would that be any different?",
                    ("I work at St Paul's, can I accept friend requests from parents?",))
    assert question.follow_up and question.comparison
    assert question.trusts == ("wcat", "stoc")


def test_a_comparison_naming_two_trusts_keeps_them():
    question = read("Compare WCAT and DSAT on posting photos of pupils")
    assert question.comparison
    assert question.trusts == ("wcat", "dsat")


def test_a_comparison_naming_one_trust_covers_them_all():
    assert read("How does DSAT differ from the other trusts on photos?").trusts == ()


def test_a_comparison_after_a_trust_specific_turn_covers_every_trust():
    question = read("how do the trusts differ on following pupils?", ("I'm a TA at St Anthony's. " + FIRST,))
    assert question.comparison
    assert question.trusts == ()


def test_a_follow_up_of_a_comparison_is_a_comparison():
    question = read("and what about ones who have left?", ("how do the trusts differ on following pupils?",))
    assert question.follow_up and question.comparison


def test_a_comparison_of_the_earlier_topic_is_read_with_it():
    question = read("how do the trusts differ on this?", (FIRST,))
    assert question.comparison
    assert FIRST in question.retrieval_text


# --- clean_question: bad input gets a clear message ---


@pytest.mark.parametrize("text", ["", "   ", "\n\t  \n", "\x00\x01\x02", "\u200b\u200b"])
def test_empty_or_whitespace_is_refused(text):
    with pytest.raises(InputProblem, match="(?i)empty"):
        clean_question(text)


def test_none_is_refused_with_a_message():
    with pytest.raises(InputProblem, match="(?i)question"):
        clean_question(None)


def test_an_oversized_message_is_refused_naming_the_limit():
    with pytest.raises(InputProblem) as problem:
        clean_question("Can I post photos? " * 1053)  # ~20,000 characters of real words
    message = str(problem.value)
    assert f"{MAX_QUESTION_CHARS:,}" in message
    assert "characters" in message


def test_twenty_thousand_characters_refused():
    with pytest.raises(InputProblem, match=f"{MAX_QUESTION_CHARS:,}"):
        clean_question("x" * 20_000)


def test_a_question_at_the_limit_is_accepted():
    question = ("Can I post photos of pupils? " * 200)[:MAX_QUESTION_CHARS].strip()
    assert clean_question(question) == question


def test_control_characters_are_stripped():
    cleaned = clean_question("Can I\x00 follow\x07 a pupil\x1b on\x7f Instagram?\u200b")
    assert not any(unicodedata.category(ch).startswith("C") for ch in cleaned)
    assert cleaned == "Can I follow a pupil on Instagram?"


def test_whitespace_is_collapsed_and_trimmed():
    assert clean_question("  Can I\n\nfollow   a pupil?\t ") == "Can I follow a pupil?"


def test_plain_english_passes_unchanged():
    question = "a parent sent me a friend request, can I accept?"
    assert clean_question(question) == question


@pytest.mark.parametrize("text", [
    "Est-ce que je peux accepter une demande d'ami d'un élève sur Facebook ?",  # French
    "Puis-je suivre un élève sur Instagram ?",  # French
    "Czy mogę obserwować ucznia na Instagramie?",  # Polish
    "我可以在脸书上接受学生的好友请求吗？",  # Chinese
    "我可以在Instagram上关注学生吗？",  # Chinese with a brand name
])
def test_other_languages_are_refused(text):
    # (Whether the message says "English" is checked below; the Polish question with "do" is there.)
    with pytest.raises(InputProblem):
        clean_question(text)




@pytest.mark.parametrize("text", [
    "Est-ce que je peux accepter une demande d'ami d'un élève sur Facebook ?",
    "Puis-je suivre un élève sur Instagram ?",
    "Czy mogę obserwować ucznia na Instagramie?",
    "Czy mogę przyjąć zaproszenie do znajomych od ucznia na Facebooku?",
    "我可以在脸书上接受学生的好友请求吗？",
    "我可以在Instagram上关注学生吗？",
])
def test_other_languages_are_told_to_ask_in_english(text):
    with pytest.raises(InputProblem, match="English"):
        clean_question(text)


def test_english_with_a_foreign_name_is_accepted():
    assert clean_question("Can I follow Zoë Kowalczyk's mum on Facebook?")


@pytest.mark.parametrize("text", ["?!?", "12345", "... ---"])
def test_no_words_is_refused(text):
    with pytest.raises(InputProblem, match="(?i)words"):
        clean_question(text)


@pytest.mark.parametrize("text", [
    "ok so who exactly do I need to tell?",
    "thanks. and what about ex-pupils?",
    "ok what about setting up a WhatsApp group for my class parents from my own number then?",
    "What would the answer be at a St James and Emmanuel school?",
    # an explicit "and what about" points back however long the message runs
    "and what about ex-pupils who are proper adults now, like 19 or 20 and at uni? a few from my very first class "
    "have added me on Instagram and I have no idea whether I'm meant to accept them or just leave it",
])
def test_follow_ups_after_fillers_and_long_ones_are_read_with_the_conversation(text):
    assert is_follow_up(text)


@pytest.mark.parametrize("text", [
    "Different question - can I put my job title and school on LinkedIn?",
    "ok thanks. totally separate thing but a mum has been slagging me off on facebook, what do I do?",
    "Is it ok to post photos of pupils on my Instagram?",
])
def test_a_turn_that_starts_something_new_is_read_on_its_own(text):
    assert not is_follow_up(text)


@pytest.mark.parametrize("post, core", [
    ("Hi all, long time lurker here, first post. Bit of a weird one and I'd really appreciate some advice. "
     "Can I accept a friend request from a parent? Thanks in advance!",
     "Can I accept a friend request from a parent?"),
    ("Hey everyone! Hope you are all having a lovely half term. Can I text pupils about homework? Any thoughts "
     "welcome x", "Can I text pupils about homework?"),
])
def test_forum_small_talk_is_left_out_of_what_is_read(post, core):
    assert strip_pleasantries(post) == core


@pytest.mark.parametrize("post", [
    "TA at Littletown Primary - is it ok to quickly check Facebook while the kids are doing independent work?",
    "Can I use the academy iPad to go on Facebook while I wait for parents' evening to start?",
    "Can I thank a parent on Facebook for the gift?",
])
def test_words_that_look_like_small_talk_inside_a_question_stay(post):
    assert strip_pleasantries(post) == post


def test_context_and_rule_words_at_the_edges_stay():
    post = ("How do the trusts compare on staff using their own phone in class? "
            "I need to know which ones ban it outright.")
    assert strip_pleasantries(post) == post


def test_the_answer_keeps_the_question_as_asked_but_reads_its_core():
    question = read("Hi all! Can I follow a pupil on Instagram? Thanks in advance")
    assert question.text.startswith("Hi all!")
    assert question.retrieval_text == "Can I follow a pupil on Instagram?"


@pytest.mark.parametrize("text", [
    "staff fb group says jeans on fridays now?? true?",
    "insta dm off ex pupil, reply or block",
    "Hola everyone, new TA here, can I add a parent on whatsapp?",
    "Les from the office says I can't post trip photos, is that right?",
])
def test_terse_or_name_dropping_english_is_accepted(text):
    assert clean_question(text)


@pytest.mark.parametrize("text", [
    "¿Puedo aceptar la solicitud de amistad de un alumno en Facebook?",  # Spanish
    "Darf ich einem Schüler auf Instagram folgen und ist das erlaubt?",  # German
    "Posso accettare la richiesta di amicizia di un alunno?",  # Italian
])
def test_more_languages_are_told_to_ask_in_english(text):
    with pytest.raises(InputProblem, match="English"):
        clean_question(text)


@pytest.mark.parametrize("text", ["what does STOC say?", "And St Paul's?", "What's the rule at Littletown?",
                                  "How does DSAT handle it?"])
def test_a_turn_that_only_names_a_trust_asks_the_earlier_question_of_it(text):
    question = read(text, ("Who do I tell if a pupil messages me on Instagram?",))
    assert question.follow_up
    assert "messages me on Instagram" in question.retrieval_text
    assert question.asking_text == "Who do I tell if a pupil messages me on Instagram?"


def test_a_turn_naming_a_trust_and_a_topic_is_its_own_question():
    question = read("what does STOC say about photos of pupils?", ("Who do I tell if a pupil messages me?",))
    assert not question.follow_up
    assert question.asking_text == question.core


@pytest.mark.parametrize("text, asks_again", [
    ("What would the answer be at a St James and Emmanuel school?", True),
    ("what about ex-pupils?", True),
    ("and if it's a parent?", True),
    ("and can I block them?", False),  # a question of its own
])
def test_an_elliptical_follow_up_asks_what_the_earlier_turn_asked(text, asks_again):
    earlier = "STOC question: am I allowed to email parents from my personal Gmail?"
    question = read(text, (earlier,))
    assert question.follow_up
    assert (question.asking_text == earlier) is asks_again


@pytest.mark.parametrize("text", ["How does STOC compare?", "Is St Paul's any different?", "and does SJEAT differ?"])
def test_asking_how_another_trust_compares_compares_it_with_the_earlier_one(text):
    question = read(text, ("I'm at DSAT. Can I give my mobile number to a parent?",))
    assert question.follow_up and question.comparison
    assert len(question.trusts) == 2 and "dsat" in question.trusts
    assert "mobile number to a parent" in question.retrieval_text


def test_a_follow_up_after_a_turn_that_only_switched_trust_is_read_with_the_topic_turn():
    history = ("Can I text a pupil about their homework from my cell?", "how does STOC compare?")
    question = read("and what about parents?", history)
    assert question.follow_up
    assert question.retrieval_text == "Can I text a pupil about their homework from my cell? and what about parents?"
    assert question.asking_text == history[0]


@pytest.mark.parametrize("follow_up, earlier, switches", [
    ("and on using personal phones in lessons?",
     "How do the five trusts compare on staff accepting friend requests from former students?", True),
    # the earlier subject carries on, with other people or in other circumstances
    ("what if they've left?", "Can I accept a friend request from a pupil?", False),
    ("and if it's a former pupil who is 19 now?", "A parent sent me a friend request, can I accept?", False),
    ("what about in my lunch break though, on my own phone?", "Are we allowed to go on social media at work?", False),
    # it points back at the earlier turn
    ("And what if she DMs me anyway - what am I meant to do with the message?",
     "A former pupil who is 16 wants to follow me, can I accept?", False),
    # one new subject that is an act of its own
    ("ok and what about posting photos of the kids at DSAT?",
     "Can I accept a friend request from a parent? I work at St Thomas More.", True),
    # only one new subject: an object replaced, the act kept
    ("what about on the school account?", "Can I post photos of my class on my personal Facebook?", False),
])
def test_a_follow_up_leaves_the_earlier_subject_only_when_it_names_new_ones_and_points_back_at_nothing(
        follow_up, earlier, switches):
    assert (follow_up_weight(follow_up, earlier) == SWITCH_WEIGHT) is switches


def test_a_follow_up_naming_no_new_subject_adds_no_weight_of_its_own():
    assert follow_up_weight("what if they've left?", "Can I accept a friend request from a pupil?") == 0.0
    assert 0 < follow_up_weight("what about on the school account?",
                                "Can I post photos of my class on my personal Facebook?") < SWITCH_WEIGHT


def test_a_follow_up_naming_new_people_weighs_its_own_words():
    # "ex-pupils" is no new topic after a question on parents, but their rule is another clause.
    assert follow_up_weight("And what do they say about ex-pupils?",
                            "Which trusts let staff be friends with parents on Facebook?") == PEOPLE_SWITCH_WEIGHT
    assert follow_up_weight("ok now the same for parents",
                            "How do the trusts differ on staff contact with former pupils?") == PEOPLE_SWITCH_WEIGHT
    # new people beside the old ones add less; the same people nothing
    assert 0 < follow_up_weight("and pupils and their parents both?",
                                "Can I follow a pupil on Instagram?") < PEOPLE_SWITCH_WEIGHT
    assert follow_up_weight("and what about their mums?", "Can I follow a parent on Instagram?") == 0.0


def test_a_follow_up_naming_other_people_searches_the_text_for_them_not_the_earlier_ones():
    question = read("and what about ex-pupils who are adults now?",
                    ("Which trusts ban staff from being friends with parents on Facebook?",))
    assert "parents" in question.retrieval_text  # the dense query keeps the whole conversation...
    assert "parents" not in question.lexical_text  # ...the lexical one drops the people it no longer asks about
    assert "friends" in question.lexical_text and "ex-pupils" in question.lexical_text
    # the same people, new people beside the old ones, or no people: the lexical text is the retrieval text
    assert read("and what about their mums?", ("Can I follow a parent on Instagram?",)).lexical_text == ""
    assert read("and pupils and their parents both?", ("Can I follow a pupil on Instagram?",)).lexical_text == ""
    assert read("what if it's on TikTok?", ("Can I follow a parent on Instagram?",)).lexical_text == ""


def test_a_follow_up_of_a_comparison_that_names_one_trust_asks_that_trust():
    question = read("What does DSAT say about it?", ("Which trusts let staff be friends with parents on Facebook?",))
    assert question.follow_up
    assert question.trusts == ("dsat",) and not question.comparison
    # ...while one that names no trust stays a comparison of every trust
    question = read("and what about ex-pupils?", ("Which trusts let staff be friends with parents on Facebook?",))
    assert question.trusts == () and question.comparison


@pytest.mark.parametrize("follow_up", ["is it any different for supply teachers?",
                                       "would that be any different if she's my neighbour?"])
def test_a_follow_up_comparing_circumstances_stays_with_the_conversations_trust(follow_up):
    question = read(follow_up, ("At STOC can I accept a friend request from a pupil?",))
    assert question.follow_up
    assert question.trusts == ("stoc",) and not question.comparison


@pytest.mark.parametrize("follow_up, trusts", [("is that any different at the other trusts?",
                                                 ("wcat", "dsat", "littletown", "sjeat")),
                                                ("would that be different across the trusts?", ())])
def test_a_follow_up_comparing_trusts_still_compares(follow_up, trusts):
    question = read(follow_up, ("At STOC can I accept a friend request from a pupil?",))
    assert question.comparison and question.trusts == trusts
