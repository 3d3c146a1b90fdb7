"""Stance reading on real clause wording: question kinds, duties, age-scoped rules (pure functions, no model)."""

from __future__ import annotations

import pytest

from assistant.retrieve import clause_audience, question_parties, word_stems
from assistant.stance import question_kind, read_stance, sets_duty
from assistant.vocabulary import expand_query
from ingest.records import Clause

STOC_3_8 = ("Staff should not accept any current student of any age or any ex-student of the Trust under the age "
            "of 18 as a friend, follower, subscriber or similar on any personal social media account.")
LITTLETOWN_5_3 = ("Staff should be aware of both professional and social boundaries and should not therefore accept "
                  "or invite ‘friend’ requests from pupils or ex-pupils under the age of 18, and should be cautious "
                  "with regard to parents.")
STOC_3_2 = "Any communication received from children on any personal social media sites must be reported to the " \
           "Designated Safeguarding Lead."


@pytest.mark.parametrize("question, kind", [
    ("Someone shared an indecent image in a group chat I'm in. Who do I tell?", "obligation"),
    ("I saw a colleague post something about a pupil. Do I have to report it?", "obligation"),
    ("Just got my first job. Is there anything I'm supposed to do with my existing socials before I start?",
     "obligation"),
    ("HR query: comparing the five policies, what sanctions does each one spell out?", "informational"),
    ("Can the school monitor my personal social media?", "informational"),
    ("HR query: which trusts' policies would allow that and which wouldn't?", "permission"),
    ("Who am I supposed to tell, and is there anything I shouldn't be doing myself?", "obligation"),
    ("Can management actually look at my personal Instagram?", "informational"),
    ("How do the trusts differ on who staff should report social media concerns to?", "informational"),
    ("How do the policies differ on consequences for staff who breach them?", "informational"),
    ("what's the difference between cyberbullying and trolling in the policy?", "informational"),
    ("How do the trusts differ on accepting friend requests from parents?", "permission"),
    ("Induction mentioned some Prevent guidance we're meant to have read, where do I actually find those?",
     "informational"),
    ("If they investigate, can they actually make me hand over my passwords?", "informational"),
    ("ok so do I actually have to go and tell the head?", "obligation"),
    ("A student filmed me in class and put it on TikTok with mean captions. What can I do?", "obligation"),
    ("Is there any online safety training we're actually obliged to attend here?", "obligation"),
    ("I used my own phone to text a parent. Is there anything I should do now?", "obligation"),
    ("Is there anything I should know before I start a blog?", "informational"),
    # Context sentences do not decide the kind: only the asking sentence does.
    ("What a week. A mum sent me a friend request. Can I accept it?", "permission"),
])
def test_question_kind_is_read_from_the_asking_sentence(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize("question, kind", [
    ("Someone made a fake Instagram account pretending to be me. I'm at SJEAT. Help?", "obligation"),
    ("A parent is posting about me in the class WhatsApp. Any advice?", "obligation"),
    ("If staff get a message from a pupil on their own phone, who do they report it to?", "obligation"),
    ("Who should teachers talk to when a pupil messages them?", "obligation"),
    ("Can you help me find the rule on photos?", "permission"),
    ("I replied to a few of the comments already. What's the right way to deal with this?", "obligation"),
    ("I feel I should mention it to someone. Is there an actual procedure for this?", "obligation"),
    ("When staff see something worrying online, who does each policy tell them to report to?", "obligation"),
    ("HR: across all five policies, what do staff have to do if they are being cyberbullied by a parent?", "obligation"),
    ("what do the policies say staff should do if a pupil messages them?", "obligation"),
    # "Is there anything stopping me?" asks for a rule; "is there a rule on photos?" does too.
    ("My husband thinks I should post it on the community page. Is there anything stopping me?", "permission"),
    ("Is there anything in the policy about photos?", "permission"),
    # HR asking how strict each policy is, or what each says about an act of staff, asks for each rule.
    ("hr q: how strict is each trust about staff slagging off the school online?", "permission"),
    ("what does each trust say about staff calling or texting parents from their personal mobile?", "permission"),
    ("What does the policy say about trolling?", "informational"),
    # HR's "how do the trusts handle staff who want to...?" asks each rule; a handle to format is a name.
    ("HR question: how do all five trusts handle staff who want to keep in touch with pupils after they leave?",
     "permission"),
    ("STOC - what's the format for the school insta handle?", "informational"),
    # "Is there anything in our policy about adding colleagues, or is it a personal choice?" asks whether a rule applies.
    ("Is there actually anything in our policy about adding the people you work with, or is it purely a personal "
     "choice?", "permission"),
])
def test_a_call_for_help_asks_what_to_do(question, kind):
    assert question_kind(question) == kind


def test_a_who_do_i_tell_question_reads_the_duty_as_required():
    question = "A pupil DM'd me on Instagram. Who do I tell?"
    reading = read_stance(question, STOC_3_2, word_stems(question), ["pupil"])
    assert reading.stance == "required"
    assert "must be reported" in reading.modal
    assert sets_duty(STOC_3_2) and not sets_duty(STOC_3_8)


@pytest.mark.parametrize("clause, duty", [
    # WCAT 10.vi: whom to contact is the answer to "what am I supposed to do?" about an extremist post.
    ("If any adult working in school has a concern that a student is at risk of radicalisation they must "
     "immediately contact the Headteacher and follow the school's normal safeguarding procedures.", True),
    ("If you need to contact pupils or parents use the school's email address.", False),
])
def test_a_duty_to_contact_someone_is_a_duty(clause, duty):
    assert sets_duty(clause) is duty


@pytest.mark.parametrize("question, clause, stance", [
    ("An ex-pupil who is 20 now added me on Facebook. Can I accept?", LITTLETOWN_5_3, "permitted"),
    ("An ex-pupil who's an adult now sent a friend request. Can I accept?", STOC_3_8, "permitted"),
    ("A former student (graduated 3 yrs ago, now 21) wants to connect on LinkedIn. Ok?", STOC_3_8, "permitted"),
    ("An old pupil who's at uni now followed me on Instagram. Can I follow back?", STOC_3_8, "permitted"),
    ("An ex-pupil who is 16 sent a friend request. Can I accept?", STOC_3_8, "prohibited"),
    ("Can I follow former students on Instagram once they turn 18?", STOC_3_8, "permitted"),
    ("Are adult ex-pupils ok to add on Facebook?", LITTLETOWN_5_3, "permitted"),
    ("Can I connect with former pupils who are 18 or over?", STOC_3_8, "permitted"),
    ("A pupil in my class sent a friend request. Can I accept?", LITTLETOWN_5_3, "prohibited"),
])
def test_a_rule_limited_to_under_18s_does_not_forbid_adults(question, clause, stance):
    assert read_stance(question, clause, word_stems(question), ["former"]).stance == stance


@pytest.mark.parametrize("earlier, follow_up, stance", [
    ("My ex-pupil is 17 and left last year, she wants to follow me on insta.", "what if she was 18?", "permitted"),
    ("My ex-pupil is 19 and left last year, she wants to follow me on insta.", "and if she were 16?", "prohibited"),
    ("My ex-pupil is 19 and left last year, she wants to follow me on insta.", "and on Facebook?", "permitted"),
    # A time or a year group is no age.
    ("My ex-pupil is 19 and left last year, she wants to follow me on insta.", "what if she messages me at 11 at night?",
     "permitted"),
])
def test_a_follow_up_giving_an_age_replaces_the_earlier_age(earlier, follow_up, stance):
    question = f"{earlier} {follow_up}"
    reading = read_stance(question, LITTLETOWN_5_3, word_stems(question), ["former"], "permission", follow_up)
    assert reading.stance == stance


def test_a_current_pupil_of_any_age_stays_prohibited_even_at_18():
    question = "One of my sixth formers is 18 now and wants to follow me on Instagram. Can I accept?"
    assert read_stance(question, STOC_3_8, word_stems(question), ["pupil"]).stance == "prohibited"


SJEAT_6_9 = ("Adults must never use or access the social networking sites or social networking pages of pupils at the "
             "school unless the pupil is a member of the adult’s family and the family relationship has been "
             "acknowledged and discussed in advance with the Head of School.")
WCAT_6_V = ("Adults must not engage in conversations about students with their parents or carers or with any other "
            "person by any form of social networking or social media unless they have the express permission of the "
            "Headteacher to do so.")


@pytest.mark.parametrize("question, clause, stance", [
    # A fact condition (the pupil is family) qualifies the rule only when the question is about it.
    ("Is it ok for me to have a look at a pupil's public TikTok?", SJEAT_6_9, "prohibited"),
    ("My niece is a pupil here. Can I look at her TikTok page?", SJEAT_6_9, "conditional"),
    # A permission route ("unless ... permission of the Headteacher") is open to anyone who asks.
    ("A parent messaged me about her son on Messenger. Can I reply?", WCAT_6_V, "conditional"),
])
def test_an_exception_qualifies_the_rule_when_it_can_apply(question, clause, stance):
    # The assistant reads clauses with the query as expanded by the vocabulary and the people the question names.
    assert read_stance(question, clause, word_stems(expand_query(question)),
                       sorted(question_parties(question))).stance == stance


def test_a_what_if_question_asks_for_a_rule():
    assert question_kind("What if my Head of School says it's fine for this one family?") == "permission"


WCAT_6_VIII = ("Adults must never “follow” or allow themselves to be “followed”, or make a “friend” of, or have any "
               "contact with a student at the school on any social networking site. The only exception to this rule is "
               "where the student is a member of the adult’s family and the family relationship has been identified to "
               "and acknowledged by the Headteacher.")


@pytest.mark.parametrize("question, stance", [
    # Sharing "rule" or "has" with the exception sentence does not put the question under its condition.
    ("One of my year 9s has sent me a follow request on Insta. Is it actually against the rules to accept?",
     "prohibited"),
    ("My nephew is a student here and has sent me a follow request on Insta. Can I accept?", "conditional"),
    # The vocabulary's expansion of "I work at" ("identify the school role") is not the asker's own word: it does
    # not meet "identified to and acknowledged by the Headteacher".
    ("One of my 8th grade students sent a follow request. Can I accept if my account is private? I work at St "
     "Paul's", "prohibited"),
])
def test_an_exception_in_the_next_sentence_applies_only_to_its_condition(question, stance):
    assert read_stance(question, WCAT_6_VIII, word_stems(expand_query(question)),
                       sorted(question_parties(question))).stance == stance


DSAT_5_1_1 = ("To carefully consider, before posting content on social media sites, whether it will bring <Academy> "
              "into disrepute, breach confidentiality or copyright or be considered offensive, defamatory, "
              "discriminatory, bullying or is potential harassment. If you are unsure of whether it is appropriate to "
              "post certain content on a social media site advice can be sought from the Principal.")


def test_the_rule_sentence_is_read_rather_than_advice_that_shares_more_words():
    question = "Is it appropriate to post a rant about the head on my Facebook if I'm unsure?"
    reading = read_stance(question, DSAT_5_1_1, word_stems(expand_query(question)))
    assert reading.stance == "caution"
    assert reading.quote.startswith("To carefully consider")


def test_a_rule_about_what_the_academy_does_is_informational():
    clause = "<Academy> will not routinely monitor the webpages that an employee can access from their laptop."
    question = "Can I look at Facebook on my work laptop?"
    assert read_stance(question, clause, word_stems(question)).stance == "informational"


def test_a_stated_consequence_reads_as_a_prohibition():
    clause = ("If any adult uses school equipment or personal equipment in school to access pornography or links to "
              "it, this will raise serious concerns about the suitability of the adult concerned to work with students.")
    question = "is there a rule about having adult content on my own phone if I bring it into school?"
    assert read_stance(question, clause, word_stems(expand_query(question))).stance == "prohibited"


def test_what_am_i_supposed_to_keep_is_an_obligation():
    assert question_kind("ok and if someone's trolling me what am I supposed to keep as evidence?") == "obligation"


WCAT_8_I = ("There must be a strong pedagogical or business reason for creating an official school social media/social "
            "networking website including websites to communicate with students. Adults must not create websites for "
            "reasons which could expose the school to unwelcome publicity or which could cause reputational damage to "
            "the Trust or the school. The matter must have been discussed, authorised and agreed with the Headteacher "
            "in advance of any school website, including social media websites, being created.")


@pytest.mark.parametrize("clause, stance", [
    (WCAT_8_I, "conditional"),  # a requirement that must be approved in advance: allowed once approved
    ("Adults must understand who is allowed to view the content on their social media pages.", "required"),
])
def test_a_requirement_needing_approval_first_answers_can_i_with_conditional(clause, stance):
    question = "Can I set up a Twitter account for my class this weekend, showing what the pupils are doing?"
    assert read_stance(question, clause, word_stems(expand_query(question))).stance == stance


def test_a_described_risk_does_not_soften_a_directive_in_the_same_sentence():
    clause = ("Social networking sites have the potential to discuss inappropriate information and employees need to "
              "ensure that they do not put any confidential information on their site about themselves, their "
              "employer, their colleagues, pupils or members of the public.")
    question = "Can I put a screenshot of the confidential restructure email on my Facebook?"
    assert read_stance(question, clause, word_stems(expand_query(question))).stance == "prohibited"
    advice = "Staff should not accept friend requests from pupils, and be cautious if friends with parents."
    parents = "Can I accept a friend request from a parent?"
    assert read_stance(parents, advice, word_stems(expand_query(parents)), ["parent"]).stance == "caution"


LITTLETOWN_5_2 = ("Employees should not upload any content on to social media sites that: • is confidential to the "
                  "school or its staff • amounts to bullying • brings the school into disrepute • is defamatory or "
                  "knowingly false • breaches copyright")


def test_a_list_item_carries_the_rule_of_its_lead_in_and_is_quoted_with_it():
    question = "can I post something defamatory about the head on facebook?"
    reading = read_stance(question, LITTLETOWN_5_2, word_stems(expand_query(question)))
    assert reading.stance == "prohibited"
    assert reading.quote.startswith("Employees should not upload") and reading.quote.endswith("knowingly false")
    assert reading.quote in LITTLETOWN_5_2  # verbatim


def test_steps_you_can_take_is_no_permission():
    clause = ("In order to mitigate these risks, there are steps you can take to promote safety on line: • ensure "
              "that any messages, photos or information comply with existing policies.")
    question = "Can I put a couple of photos from sports day on my personal Insta?"
    assert read_stance(question, clause, word_stems(expand_query(question))).stance != "permitted"


@pytest.mark.parametrize("question, stance", [
    ("can I go on instagram on my phone at lunch in the staffroom?", "permitted"),
    ("can I quickly check facebook during lessons while the kids do independent work?", "prohibited"),
])
def test_a_rule_limited_to_lesson_time_does_not_forbid_lunch(question, stance):
    clause = "Staff should note that the use of social media accounts during lesson time is not permitted."
    assert read_stance(question, clause, word_stems(expand_query(question))).stance == stance


def test_working_hours_still_cover_lunch_but_not_the_weekend():
    clause = "Personal use of the internet is not permitted during working hours."
    weekend = "am I allowed to browse facebook at the weekend?"
    lunch = "am I allowed to browse facebook in my lunch break?"
    assert read_stance(weekend, clause, word_stems(expand_query(weekend))).stance == "permitted"
    assert read_stance(lunch, clause, word_stems(expand_query(lunch))).stance == "prohibited"


@pytest.mark.parametrize("latest_turn, stance", [
    ("what about at lunch?", "permitted"),          # the follow-up's own time replaces "during lessons"
    ("and if it's just a quick look?", "prohibited"),  # no time of its own: the earlier turn's time stands
])
def test_a_follow_up_reads_its_own_time(latest_turn, stance):
    clause = "Staff should note that the use of social media accounts during lesson time is not permitted."
    question = f"can I check facebook during lessons? {latest_turn}"
    reading = read_stance(question, clause, word_stems(expand_query(question)), latest_turn=latest_turn)
    assert reading.stance == stance


@pytest.mark.parametrize("question", [
    "Can I check my socials during the school day if I'm not teaching, like in a free period?",
    "is it ok to scroll insta at lunch when I don't have lessons?",
])
def test_lesson_time_named_only_to_rule_it_out_is_outside_it(question):
    clause = "Staff should note that the use of social media accounts during lesson time is not permitted."
    assert read_stance(question, clause, word_stems(expand_query(question))).stance == "permitted"


WCAT_6_XXII = "Confidentiality issues must be considered at all times in relation to social networking and the use of " \
              "social media."
WCAT_6_XXIII = ("Adults must ensure that they do not provide, publish share or otherwise disclose any confidential "
                "information about themselves or about the school and the wider school community.")


def _hit(clause_id: str, text: str, score: float, audience: str = "staff"):
    from assistant.retrieve import RetrievedClause
    from ingest.records import Clause

    clause = Clause("wcat", clause_id, "6", "Social networking", text, 0, "wcat.txt")
    return RetrievedClause(clause, score, score, 0.0, audience)


@pytest.mark.parametrize("gap, lead", [(0.02, "6.xxiii"), (0.15, "6.xxii")])
def test_a_can_i_question_is_answered_by_the_neighbouring_rule_not_the_duty(gap, lead):
    from assistant.compose import Thresholds, judge

    question = "Heard there's a restructure coming. Can I post a heads up about it on Twitter?"
    hits = [_hit("6.xxii", WCAT_6_XXII, 0.6), _hit("6.xxiii", WCAT_6_XXIII, 0.6 - gap)]
    judgement = judge(question, question, hits, Thresholds(), best_other=0.6)
    # The rule leads only while it is about as relevant as the duty (Thresholds.rule_margin).
    assert judgement.readings[0][0].clause.id == lead
    assert judgement.stance == ("prohibited" if lead == "6.xxiii" else "required")


DSAT_4_6_1 = ("There will be occasions when there are social contacts between pupils and staff, where for example the "
              "parent and teacher are part of the same social circle. These contacts however, will be easily "
              "recognised and openly acknowledged.")
DSAT_4_6_2 = ("There must be awareness on the part of those working with pupils that some social networking "
              "contacts, especially where these are not common knowledge, can be misconstrued as being part of a "
              "grooming process.")


@pytest.mark.parametrize("gap, stance", [(0.03, "caution"), (0.15, "informational")])
def test_a_can_i_question_is_answered_by_a_close_rule_not_a_description(gap, stance):
    from assistant.compose import Thresholds, judge

    question = "A dad I know from the school gate has matched with me on Hinge. Am I allowed to chat to him?"
    hits = [_hit("4.6.1", DSAT_4_6_1, 0.6), _hit("4.6.2", DSAT_4_6_2, 0.6 - gap)]
    judgement = judge(question, question, hits, Thresholds(), best_other=0.6)
    assert read_stance(question, DSAT_4_6_1, word_stems(expand_query(question))).stance == "informational"
    assert judgement.stance == stance


@pytest.mark.parametrize("question, kind", [
    ("HR here: how do the five policies compare on staff taking photos of pupils on personal devices?", "permission"),
    ("Where do the trusts stand on staff posting in the union Facebook group?", "permission"),
    ("Is there any trust that lets staff accept friend requests from current pupils?", "permission"),
    ("What's the difference between the trusts on accepting friend requests from ex-students?", "permission"),
    # A comparison of what each trust says it does asks for no rule.
    ("What does each trust say it will do to support staff who are trolled online? How do they compare?",
     "informational"),
])
def test_hr_asking_how_policies_compare_on_a_topic_asks_for_each_rule(question, kind):
    assert question_kind(question) == kind


DSAT_4_3_2 = "Staff should never 'friend' a pupil at <Academy> where they are working onto their social networking site."
WCAT_6_X = ("Adults must be cautious about any form of social networking contact with former students particularly "
            "where siblings or other relatives continue to attend the school.")


@pytest.mark.parametrize("question, text, stance", [
    # A rule on pupils says nothing of those who have left...
    ("An ex-pupil who left three years ago sent me a friend request. Can I accept?", DSAT_4_3_2, "not_addressed"),
    # ...a rule that names former pupils does...
    ("An ex-pupil who left three years ago sent me a friend request. Can I accept?", WCAT_6_X, "caution"),
    # ...and a question about a current pupil is answered by the rule on pupils.
    ("A pupil in Year 9 sent me a friend request. Can I accept?", DSAT_4_3_2, "prohibited"),
])
def test_a_rule_on_pupils_does_not_answer_a_question_about_former_pupils(question, text, stance):
    from assistant.compose import Thresholds, judge

    judgement = judge(question, question, [_hit("4.3.2", text, 0.6)], Thresholds(), best_other=0.6)
    assert judgement.stance == stance


STAFF_RULE = "Adults must not use their own mobile phones to contact pupils."
PUPIL_RULE = "Pupils must not use mobile phones in lessons unless the teacher has given permission."


@pytest.mark.parametrize("question, text, audience, stance", [
    # What pupils may do is not answered by a rule for staff...
    ("What are the rules on pupils using their phones in school?", STAFF_RULE, "staff", "not_addressed"),
    ("Can the student actually get in trouble for it under the policy?", STAFF_RULE, "staff", "not_addressed"),
    # ...but by a section on pupils' own use...
    ("What are the rules on pupils using their phones in school?", PUPIL_RULE, "pupils", "informational"),
    # ...and a staff question that names pupils is still answered by the staff rule.
    ("Can my students have my mobile number?", STAFF_RULE, "staff", "prohibited"),
])
def test_a_question_about_what_pupils_may_do_is_answered_only_by_rules_for_pupils(question, text, audience, stance):
    from assistant.compose import Thresholds, judge

    hit = _hit("5.1", text, 0.6, audience)
    assert judge(question, question, [hit], Thresholds(), best_other=0.6).stance == stance


@pytest.mark.parametrize("title, text, audience", [
    ("Trust Approved Use of Social Media", "All schools are encouraged to keep a presence. The following must be "
     "observed: • Staff should set up a distinct account for educational purposes.", "staff"),
    ("Introduction", "The Trust recognises many employees use social media. Employees must always exercise "
     "their right to freedom of expression with regard to the law.", "staff"),
    ("Introduction", "The Trust recognises many employees use social media in a personal capacity.", "background"),
    ("Official accounts", "The school will monitor its official accounts.", "organisation"),
    ("Pupil use", "Pupils must not bring phones to lessons.", "pupils"),
])
def test_a_clause_that_lays_a_rule_on_staff_governs_staff(title, text, audience):
    clause = Clause("wcat", "1.ii", "1", title, text, 0, "policy.txt")
    assert clause_audience(clause) == audience


@pytest.mark.parametrize("question, clause, stance", [
    # A sanction for doing it is a prohibition, not advice to be careful.
    ("Can I post a meme about how chaotic the trust is?",
     "Any posts or comments that bring the Trust's name into disrepute could result in disciplinary action.",
     "prohibited"),
    # ... unless the sentence names the agreed route that makes it acceptable.
    ("Can I text a pupil about homework from my own phone?",
     "E-mail or text communications between an adult and a pupil outside agreed protocols may lead to "
     "disciplinary and/or criminal investigations.", "conditional"),
    # A risk that is no sanction stays a warning.
    ("Can I post photos from the staff party?",
     "Photographs can be misconstrued and may result in embarrassment for staff.", "caution"),
])
def test_a_sentence_naming_a_sanction_forbids(question, clause, stance):
    assert read_stance(question, clause, word_stems(question)).stance == stance


@pytest.mark.parametrize("question, score, stance", [
    # "Does it say anything about X?" over a loose match: the policy does not cover X...
    ("A few of us play COD on Xbox at weekends. Anything in the policy about that?", 0.42, "not_addressed"),
    ("Do any of the policies say anything about staff gaming online?", 0.42, "not_addressed"),
    # ...over a clear match it does...
    ("Do any of the policies say anything about staff gaming online?", 0.6, "prohibited"),
    # ...and a plain "can I?" over the same loose match is still answered...
    ("Can I play COD on Xbox at weekends?", 0.42, "prohibited"),
    # ...unless it asks about other people than the rule names: a rule on pupils does not cover colleagues.
    ("Can I play COD on Xbox with colleagues at weekends?", 0.6, "not_addressed"),
])
def test_a_question_whether_the_policy_covers_something_needs_a_clear_match(question, score, stance):
    from assistant.compose import Thresholds, judge

    hit = _hit("6.viii", "Adults must not play online games with pupils.", score)
    thresholds = Thresholds(min_score=0.37, max_gap=0.08, confident_score=0.45)
    assert judge(question, question, [hit], thresholds, best_other=score).stance == stance


@pytest.mark.parametrize("question, coverage", [
    ("Does the policy say anything about AI tools like ChatGPT?", True),
    ("Is there any rule on selling stuff on Facebook Marketplace?", True),
    ("Any guidance about streaming on Twitch?", True),
    ("Can I accept a friend request from a parent?", False),
    ("Who do I tell if a pupil messages me?", False),
])
def test_asks_coverage(question, coverage):
    from assistant.stance import asks_coverage

    assert asks_coverage(question) is coverage


def test_the_comparison_summary_groups_trusts_by_stance_with_the_verb_agreeing():
    from assistant.compose import compose_comparison
    from assistant.records import Citation, TrustAnswer

    def answer(trust, stance, clause):
        nearest = stance == "not_addressed"
        return TrustAnswer(trust, trust.upper(), stance, "...", (Citation(trust, clause, "Quote.", nearest=nearest),))

    comparison = compose_comparison([answer("wcat", "caution", "6.x"), answer("dsat", "not_addressed", "4.6.1"),
                                     answer("stoc", "prohibited", "3.8"), answer("sjeat", "caution", "6.10")],
                                    {"wcat": "WCAT", "dsat": "DSAT", "stoc": "STOC", "sjeat": "SJEAT"})
    assert comparison.summary == ("The policies differ: WCAT and SJEAT allow it but urge caution; DSAT does not "
                                  "address it; STOC forbids it. Governing clauses: WCAT 6.x, STOC 3.8, SJEAT 6.10.")
    assert [row.clause for row in comparison.rows] == ["6.x", "—", "3.8", "6.10"]  # a nearest principle is no answer
    same = compose_comparison([answer("wcat", "prohibited", "6.viii"), answer("stoc", "prohibited", "3.8")], {})
    assert same.summary.startswith("All two policies forbid it.")
    silent = compose_comparison([answer("wcat", "not_addressed", "6.i"), answer("stoc", "not_addressed", "3.1")], {})
    assert silent.summary == "None of the two policies addresses it."


@pytest.mark.parametrize("question", [
    "Do I have to accept a friend request from my headteacher?",
    "My line manager added me on Facebook. Can I say no?",
    "A few of us from work play COD together on Xbox. Is that ok?",
])
def test_a_head_a_manager_or_people_from_work_are_colleagues(question):
    assert question_parties(question) == {"colleague"}


@pytest.mark.parametrize("question, terms", [
    ("Which of the policies actually define trolling, and what do they say it is?", [{"troll"}]),
    ("what's the difference between cyberbullying and trolling in the policy?", [{"cyberbulli"}, {"troll"}]),
    ("what counts as 'confidential' under the social media rules?", [{"confidenti"}]),
    ("Can I accept a parent's friend request?", []),
    ("what counts as that?", []),  # nothing to look for
])
def test_the_terms_a_definition_question_asks_about(question, terms):
    from assistant.stance import defined_terms

    assert defined_terms(question) == terms


@pytest.mark.parametrize("policy_text, stance", [
    # A policy that never uses the word does not define it, however close its other definitions...
    ("Cyberbullying can be defined as the use of technology to embarrass or humiliate.", "not_addressed"),
    # ...one that uses it is read as usual.
    ("Trolling can be defined as sowing discord on the internet.", "informational"),
])
def test_a_policy_that_never_uses_a_term_does_not_define_it(policy_text, stance):
    from assistant.compose import Thresholds, judge
    from assistant.retrieve import word_stems

    question = "Which of the policies define trolling, and what do they say it is?"
    hit = _hit("9.i", policy_text, 0.6)
    judgement = judge(question, question, [hit], Thresholds(), best_other=0.6, policy_stems=frozenset(word_stems(policy_text)))
    assert judgement.stance == stance


@pytest.mark.parametrize("question, stance", [
    # "Does it say anything about X?" answered only by the policy describing itself: X is not covered...
    ("Does the policy say anything about the trust paying towards my phone contract?", "not_addressed"),
    # ...unless the question is about the policy itself.
    ("Does the policy say anything about who it applies to?", "informational"),
])
def test_a_policy_describing_itself_does_not_cover_a_topic(question, stance):
    from assistant.compose import Thresholds, judge

    scope = "This policy covers the personal use of social media as well as the use of social media for school purposes."
    hit = _hit("2.v", scope, 0.6, audience="background")
    assert judge(question, question, [hit], Thresholds(), best_other=0.6).stance == stance


@pytest.mark.parametrize("clause, stance", [
    # Rules for staff say nothing of the time after the asker has left the job...
    ("Adults must be cautious about accepting parents of students as friends on Facebook.", "not_addressed"),
    # ...unless the rule is limited to the time of employment: then it does not forbid what comes after.
    ("Trust staff will not invite, accept or engage in communications with parents/carers in any personal social "
     "media whilst in employment at the Trust.", "permitted"),
])
def test_after_the_asker_has_left_the_job(clause, stance):
    from assistant.compose import Thresholds, judge

    question = "I'm leaving teaching in July. Once I've finished, am I allowed to accept friend requests from parents?"
    assert judge(question, question, [_hit("3.1", clause, 0.6)], Thresholds(), best_other=0.6).stance == stance


def test_leaving_at_easter_is_not_yet_after_the_job():
    from assistant.stance import asks_after_employment

    assert not asks_after_employment("I'm leaving at Easter. Can I add the parents I'm friendly with now?")
    assert asks_after_employment("after my last day can I follow the parents?")


def test_labelled_questions_do_not_outvote_a_rule_whose_own_limit_excludes_the_question():
    from assistant.compose import Thresholds, judge
    from assistant.precedents import Vote

    question = "Is it ok to check Facebook on my phone at lunch?"
    hit = _hit("5.5", "Staff should note that the use of social media accounts during lesson time is not permitted.", 0.6)
    vote = Vote({"prohibited": 1.0}, {"5.5": 1.0})
    judgement = judge(question, question, [hit], Thresholds(reading_weight=0.6), best_other=0.6, vote=vote)
    assert judgement.stance == "permitted"


def test_precedents_that_only_describe_do_not_turn_a_duty_into_a_description():
    from assistant.compose import Thresholds, judge
    from assistant.precedents import Vote

    question = "What do staff have to do if they are being cyberbullied by a parent?"
    hit = _hit("4.8.1", "If cyberbullying does take place, employees should keep records of the abuse.", 0.6)
    vote = Vote({"informational": 0.9, "required": 0.1}, {"4.8.1": 1.0})
    assert judge(question, question, [hit], Thresholds(reading_weight=0.6), best_other=0.6, vote=vote).stance == \
        "required"
    # A "can I?" question is still outvoted as before.
    question = "Can I keep records of the abuse?"
    assert judge(question, question, [hit], Thresholds(reading_weight=0.6), best_other=0.6, vote=vote).stance == \
        "informational"


LITTLETOWN_6_1 = ("The use of social networking sites introduces a range of potential safeguarding risks to children and "
                  "young people. Potential risks can include, but are not limited to: • online bullying • grooming, "
                  "exploitation or stalking • exposure to inappropriate material or hateful language • encouraging "
                  "violent behaviour, self-harm or risk taking. In order to mitigate these risks, there are steps you "
                  "can take to promote safety on line: • you should not use any information in an attempt to locate or "
                  "meet a child. • ensure that any messages, photos or information comply with existing policies.")
LITTLETOWN_3_1 = ("Staff should: • be aware of their online reputation and recognise that their online activity can be "
                  "seen by others including parents, pupils and colleagues on social media • ensure that any use of "
                  "social media is carried out in line with this policy and other relevant policies, ie those of the "
                  "employer • be aware that any excessive use of social media in school may result in disciplinary "
                  "action • be responsible for their words and actions in an online environment. They are therefore "
                  "advised to consider whether any comment, photograph or video that they are about to post on a "
                  "social networking site is something that they want pupils, colleagues, other employees of the "
                  "Academy or even future employers, to read. If in doubt, don't post it.")


@pytest.mark.parametrize("clause_share, lead", [
    ({"6.1": 0.7, "3.1": 0.3}, "6.1"),  # the precedents' clause is not given up for the one worded as the stance
    ({"3.1": 0.7, "6.1": 0.3}, "3.1"),
    ({}, "3.1"),  # no clause votes: the clause read as the stance leads, as before
])
def test_the_precedents_stance_moves_a_clause_to_the_lead_only_if_their_clause_votes_allow(clause_share, lead):
    from assistant.compose import Thresholds, judge
    from assistant.precedents import Vote

    question = "Can I put a couple of pics from sports day on my personal Insta? You can't really see their faces"
    hits = [_hit("6.1", LITTLETOWN_6_1, 0.47), _hit("3.1", LITTLETOWN_3_1, 0.41)]
    vote = Vote({"caution": 1.0}, clause_share)
    judgement = judge(question, question, hits, Thresholds(reading_weight=0.6), best_other=0.5, vote=vote)
    assert judgement.stance == "caution"
    assert judgement.readings[0][0].clause.id == lead


WCAT_6_IX = ("In cases where a student is a family member, adults must be aware that if the family relationship has not "
             "been identified and acknowledged by the school, contact through social networking or social media will "
             "be a breach of this policy (and therefore will be treated as a serious conduct issue).")


def test_being_aware_that_something_breaches_the_policy_forbids_it():
    question = "My niece has just started Year 7 at the school where I work. Do I need to unfriend her on Facebook?"
    reading = read_stance(question, WCAT_6_IX, word_stems(question), ["family", "pupil"], "permission")
    assert reading.stance == "prohibited"  # what to be aware of is the rule, not a caution
    assert "be aware" in read_stance(question, "Staff should be aware that their posts can be seen by parents.",
                                     word_stems(question), ["family", "pupil"], "permission").modal


@pytest.mark.parametrize("question, parties", [
    # The nephew's mum is the asker's sister: the question is about a pupil who is family, not about a parent.
    ("My nephew's just started Year 4 at the school where I work. We're friends on Facebook (his mum runs it for "
     "him). Do I have to cut him off?", {"family", "pupil"}),
    ("A boy in my class, his mum sent me a friend request. Can I accept?", {"parent", "pupil"}),
    ("My niece is in Year 7 here and her mum, my sister, is friends with the other parents. Can I add them?",
     {"family", "parent", "pupil"}),
])
def test_a_relatives_parent_is_family_not_a_parent_of_the_school(question, parties):
    assert question_parties(question) == parties


def test_a_pupil_who_is_family_is_read_against_the_rule_on_pupils():
    question = ("My nephew's just started Year 4 at the school where I work. We're friends on Facebook (family stuff, "
                "his mum runs it for him). Does the policy mean I have to cut him off online?")
    reading = read_stance(question, LITTLETOWN_5_3, word_stems(question), sorted(question_parties(question)))
    assert reading.stance == "prohibited"
