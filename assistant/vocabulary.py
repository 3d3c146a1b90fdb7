"""Domain vocabulary: how staff talk, mapped to the words policies use.

Each entry is a regex over the lower-cased question and the policy terms it implies. The expansion is
appended to the query for lexical and dense retrieval, so "a mum DM'd me on Insta" also searches for
"parents carers direct messaging Instagram social networking". Entries describe the domain, not any
one question: add words staff use, never clause numbers.
"""

from __future__ import annotations

import difflib
import re

_PLATFORMS = "social media social networking site"
_REPORTING = "report concerns raised with the Headteacher Designated Safeguarding Lead"
_AGE = "age of 18"
_CONTACT = "contact communication social contact"

# Who a question is about.
_PEOPLE: list[tuple[str, str]] = [
    (r"\b(mum|mums|mom|moms|mother|dad|dads|father|parent|parents|guardian|carer|carers|step-?parent|"
     r"family of (a|my) (pupil|student|kid|child))\b", "parents carers families of pupils"),
    (r"\b(kid|kids|child|children|student|students|pupil|pupils|learner|learners|year \d+s?|"
     r"teens?|teenagers?|youngsters?|boy|girl|sixth.?formers?|grade \d+|\d+(st|nd|rd|th) grade(rs)?|"
     r"(sixth|seventh|eighth|ninth|tenth|eleventh|twelfth) grade(rs)?|graders?|middle schoolers?|high schoolers?|"
     r"freshm[ae]n|sophomores?|homeroom|tutees?|form group|tutor group)\b", "pupils students children"),
    (r"\b(ex[- ]?pupils?|ex[- ]?students?|former (pupils?|students?)|old (pupils?|students?)|alumni|leavers?|"
     r"(has|have|had) left|who left|graduated|finished school|used to teach|left (the )?school|"
     r"no longer (at|a pupil|a student))\b", "former pupils ex-students former students"),
    (r"\b(colleague|colleagues|co-?workers?|workmates?|other teachers|staff member|fellow staff)\b",
     "work colleagues staff members"),
    (r"\b(head|heads|headteacher|head teacher|principal|vice principal|assistant principal|deputy head|boss|slt|"
     r"senior leadership|line manager|superintendent|school district|district office|administration|admin team)\b",
     "Headteacher Head of School Principal senior leadership"),
    (r"\b(sibling|siblings|brother|sister|cousin|niece|nephew|relative|related|my (own )?(son|daughter|kid|child))\b",
     "family member family relationship relatives siblings"),
]

_ENTRIES: list[tuple[str, str]] = _PEOPLE + [
    # platforms and contact
    (r"\b(insta|ig|instagram|tiktok|snapchat|snap|facebook|fb|twitter|x\.com|tweet|whatsapp|linkedin|"
     r"youtube|reddit|discord|threads|bluesky|social|socials)\b", _PLATFORMS),
    (r"\b(friend request|friend me|friended|friending|add(ed)? me|befriend|be friends|"
     r"accept (him|her|them)|follow|follows|following|followed|follower|followers)\b",
     "friend follow followed accept invitation"),
    (r"\b(dm|dms|dm'?d|direct message|private message|pm|inbox|message|messages|messaging|messaged|chat)\b",
     "direct messaging communications contact"),
    (r"\b(text|texts|texting|texted|sms|call|ring|phone|phones|mobile|cell|cellphone|cell phone|"
     r"number)\b", "personal telephone numbers mobile phones text communications contact"),
    (r"\b(email|e-mail|emails|gmail|hotmail|outlook)\b", "e-mail email addresses communication"),
    (r"\b(homework|coursework|assignment|revision)\b", "homework e-mail communication with pupils"),
    (r"\b(contact|get in touch|reach out|keep in touch|talk to|speak to)\b", _CONTACT),
    # content and conduct
    (r"\b(photo|photos|pic|pics|picture|pictures|selfie|selfies|image|images|video|videos|film|filmed)\b",
     "photographs images videos published"),
    (r"\b(slag|slagging|bad-?mouth|moan|moaning|rant|ranting|vent|venting|complain|complaining|criticis\w*|"
     r"criticiz\w*|diss|trash|insult|mock|abuse|rude about)\b",
     "criticise attack insult abuse defame derogatory remarks disrepute"),
    (r"\b(porn|porno|pornography|adult content|adult material|explicit|nsfw|x-rated|nudes?|sexual)\b",
     "pornography adult explicit material inappropriate images"),
    (r"\b(indecent|child abuse images?|csam)\b", "indecent images of children"),
    (r"\b(log-?in|logins|log-?ins|password|passwords|passcode|pin|credentials|account details)\b",
     "login details passwords log-ins"),
    (r"\b(privacy|private account|lock(ed)? (down|my account)|public (profile|account|page|insta\w*|facebook|"
     r"tiktok)|settings|anyone can see|everyone can see|visible|open (profile|account)|strava|location sharing|"
     r"find me|look me up|searchable)\b",
     "privacy settings restrict access"),
    (r"\b(confidential|confidentiality|gossip|sensitive|data protection|gdpr|records|leak|leaked|leaking|"
     r"internal|restructur\w*|redundanc\w*|staff meeting|behind closed doors|inside info\w*|not public yet)\b",
     "confidential information confidentiality"),
    (r"\b(bully|bullied|bullying|cyberbully\w*|troll|trolled|trolling|harass\w*|abusive|threat\w*)\b",
     "cyberbullying trolling harassment abuse"),
    (r"\b(extrem\w*|radical\w*|terror\w*|prevent)\b", "Prevent duty radicalisation extremism terrorist"),
    (r"\b(safeguard\w*|dsl|designated safeguarding|worried about a (child|pupil|student)|grooming|self[- ]?harm\w*|"
     r"(hurt|hurting|harm|harming|kill|killing) (themselves|himself|herself|themself)|suicid\w*)\b",
     "safeguarding designated safeguarding lead concern report"),
    (r"\b(job title|where i work|my school name|my employer|(?<!lose )(?<!lost )(?<!losing )my job|my role|"
     r"teacher at|work at)\b",
     "job title identify the school role profession"),
    (r"\b(profile|bio|home address|address|home town|personal details|personal info\w*)\b",
     "personal information user profile privacy"),
    (r"\b(opinion|opinions|views|political|politics)\b", "personal views opinions"),
    (r"\b(official|school account|school page|school's (twitter|instagram|facebook|page|account)|"
     r"class (account|page|blog)|department account)\b", "official school social media website account"),
    (r"\b(lesson|lessons|working hours|work time|at work|during the day|school day|on duty|break time)\b",
     "working hours lesson time personal use"),
    (r"\b(school (laptop|computer|ipad|device|equipment|wifi|network)|work (laptop|computer|device))\b",
     "school equipment ICT equipment devices"),
    (r"\b(own (phone|device|laptop)|personal (phone|device|laptop|mobile))\b",
     "personal devices personal equipment personal telephones"),
    (r"\b(discriminat\w*|racist|racism|sexist|homophobic|offensive)\b",
     "discriminatory offensive comments Equality Act"),
    (r"\b(defam\w*|libel|slander|copyright\w*)\b", "defamation libel copyright legal action"),
    # Using other people's work: copyright, whatever staff call it.
    (r"\b(plagiari\w*|without (credit|crediting|giving credit|permission from)|someone else'?s (work|resources?|"
     r"content|photos?|videos?|pictures?|music|songs?)|other people'?s (work|resources?|content)|intellectual property|"
     r"(credit|crediting) (them|the (author|creator|owner)))\b", "copyright legal action"),
    (r"\b(monitor|monitored|monitoring|spy|check up on|watching)\b", "monitor monitoring"),
    (r"\b(disciplin\w*|sacked|fired|dismiss\w*|in trouble|consequences|breach|misconduct|struck off|"
     r"(lose|lost|losing) (my|your|their) jobs?|(break|breaks|breaking|broke|broken|go against|goes against|"
     r"going against) (the|this|our|a|my trust'?s?|the trust'?s?|the school'?s?) (social media )?(policy|rules))\b",
     "disciplinary action dismissal breach"),
    (r"\b((?<!school )(?<!year )(?<!annual )(?<!progress )(?<!written )(?<!write )(?<!writing )(?<!pupil )"
     r"(?<!student )report(?! writing| cards?)|reporting|"
     r"tell (someone|anyone|somebody|anybody|school|my head|the head|my line manager|the dsl)|"
     r"who do i tell|let (someone|anyone|somebody|school|them|the head) know|flag (it|this)|mention (it|this) to|"
     r"escalate)\b", _REPORTING),
    (r"\b(trans|transgender|gay|lesbian|lgbt\w*|homophob\w*|transphob\w*|racis\w*|religio\w*|atheis\w*|"
     r"muslims?|christians?|jewish|disabled|disabilit\w*|sexis\w*|misogyn\w*|islamophob\w*|antisemit\w*|"
     r"ethnic\w*|hate speech)\b",
     "offensive derogatory comments sex gender reassignment race disability sexual orientation religion belief "
     "Equality Act discriminatory"),
    (r"\b(memes?|gifs?)\b", "images links to images posted content"),
    (r"\b(look(ing)? at|have a look|view(ing)?|brows\w*|stalk\w*|lurk\w*|check(ing)? (out|up on))\b.{0,50}"
     r"\b(profiles?|pages?|accounts?|tiktoks?|insta\w*|facebook|feeds?|stor(y|ies)|posts?)\b",
     "use or access the social networking sites pages of pupils"),
    (r"\b(defend|stick up for|speak(ing)? for|on behalf of|represent\w*|speak(ing)? up for)\b",
     "personal views linked to the school views of the school"),
    (r"\b(check(ed)?[- ]in|tag|tags|tagged|tagging|geotag\w*|location)\b", "identify the school tag location"),
    (r"\b(tinder|hinge|bumble|grindr|dating|dates?)\b", "personal social networking contact relationships"),
    (r"\b(gaming|games?|fortnite|xbox|playstation|ps5|roblox|minecraft|discord|twitch|call of duty|cod)\b",
     "online games social networking sites contact"),
    (r"\b(new job|first (teaching )?job|new starter|just (started|joined)|start(ing)? (in|at) (september|sept|"
     r"january|the new)|before i start|join(ing)? the (school|trust))\b",
     "new to the school setting review their social networking sites when they join"),
    (r"\b(drunk|drinking|alcohol|booze|night out|pub|uni photos|old photos|party photos|embarrassing)\b",
     "inappropriate images content review social networking sites reputation"),
    (r"\b(meet(ing)? up|meet (him|her|them)|in person|hang(ing)? out|outside (of )?school)\b",
     "social contact outside school"),
    (r"\b(unions?|strikes?|picket\w*|campaign\w*|elections?|councillor|vote|voting|petition)\b",
     "personal views political opinions"),
    (r"\b(screenshots?|screenshotted|screengrab\w*|evidence|proof|save the messages?)\b",
     "keep records of the abuse texts e-mails messages evidence not delete"),
    (r"\b(police|crime|criminal|illegal|unlawful)\b", "police criminal offence unlawful"),
    (r"\b(reputation|look bad|bad light|embarrass\w*|disrepute)\b", "reputation bring the school into disrepute"),
    (r"\b(about me|named me|naming me|targeting me|picking on me|attack(ing)? me|filmed me|recorded me|"
     r"(video|photo|pic|picture|clip) of me|of me (teaching|in class|shouting))\b",
     "cyberbullying trolling of staff abuse"),
    (r"\b(whatsapp group|group chat|group chats|class group|parents'? group)\b",
     "messaging group communication parents"),
    (r"\b(class dojo|dojo|seesaw|google classroom|teams|tapestry|class page|class blog)\b",
     "official school website communication"),
    (r"\b(what (do|should|must|shall) i do|what am i (meant|supposed|expected) to do|(do|should) i (need to )?do "
     r"anything|anything (else )?i (need|have|ought) to do|what('?s| is) the (procedure|process|position))\b",
     _REPORTING),
    (r"\b(age|under 18|under-18|over 18|aged \d+|\d+[- ]years?[- ]old|adult now|grown up|\d+ now)\b", "age of 18"),
]

# Entries that say who, where or how old, or ask what to do: the rest name what a question is about.
_PEOPLE_TERMS = frozenset(expansion for _, expansion in _PEOPLE)
_NOT_A_TOPIC = _PEOPLE_TERMS | {_PLATFORMS, _REPORTING, _AGE, _CONTACT}

# American and informal spellings -> the policies' British forms.
_SPELLINGS = {
    "favorite": "favourite", "behavior": "behaviour", "organization": "organisation",
    "criticize": "criticise", "apologize": "apologise", "recognize": "recognise",
    "center": "centre", "principal": "principal", "cellphone": "mobile phone",
}

def _plural_tolerant(pattern: str) -> str:
    """Let every phrase also match its plural or possessive ("friend requests", "parent's")."""
    return pattern[:-2] + r"(?:s|es|'s)?\b" if pattern.endswith(r")\b") else pattern


_COMPILED = [(re.compile(_plural_tolerant(pattern)), expansion) for pattern, expansion in _ENTRIES]

# Words a misspelling is corrected towards: the policies' key terms. Kept short on purpose: every target
# is a chance to "correct" a real word ("repost" is not "report").
_KEY_TERMS = (
    "friend request facebook instagram snapchat whatsapp twitter linkedin youtube tiktok pupil pupils student "
    "students parent parents colleague colleagues password message messages social media accept follow "
    "follower teacher photo photos picture mobile phone number email homework former report bullying "
    "trolling account private privacy profile personal headteacher principal inappropriate confidential "
    "pornography permission relationship family receive received contact school website official "
    "cyberbullying safeguarding confidentiality disciplinary complaint screenshot messenger professional "
    "boundaries designated telephone comment comments unfriend block "
    # the words a question's kind is read from ("shuold I", "am I allwoed")
    "should allowed permitted supposed expected required require against policy policies compare "
    "difference differ anything someone anyone"
).split()
_CORRECTION_TARGETS = sorted(set(_KEY_TERMS))
_TARGET_SET = frozenset(_CORRECTION_TARGETS)


def correct_typos(text: str, known_words: frozenset[str] = frozenset()) -> str:
    """Fix misspellings of domain words ("freind", "facebok", "pasword") so that vocabulary and BM25 see
    them. Words the policies use (`known_words`) and short words are left alone."""
    def fix(match: re.Match) -> str:
        word = match.group(0)
        lowered = word.lower()
        if len(lowered) < 5 or lowered in known_words or lowered in _TARGET_SET:
            return word
        swapped = next((t for t in _CORRECTION_TARGETS if _one_slip(lowered, t)), None)
        if swapped:
            return swapped
        close = difflib.get_close_matches(lowered, _CORRECTION_TARGETS, n=1, cutoff=0.85)
        return close[0] if close and close[0][:2] == lowered[:2] else word
    return re.sub(r"[A-Za-z]+", fix, text)


def _one_slip(word: str, target: str) -> bool:
    """Two neighbouring letters swapped ("freind"), one letter dropped ("pasword") or one extra ("parrents") —
    typing slips.
    A changed letter is not counted: that is how real words differ ("repost", "report")."""
    if word[0] != target[0]:
        return False
    if len(word) == len(target):
        diffs = [i for i, (a, b) in enumerate(zip(word, target)) if a != b]
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and word[diffs[0]] == target[diffs[1]] \
            and word[diffs[1]] == target[diffs[0]]
    if len(word) + 1 == len(target):
        return any(target[:i] + target[i + 1:] == word for i in range(len(target)))
    if len(word) == len(target) + 1:  # one letter typed twice or stray ("parrents", "facebookk")
        return any(word[:i] + word[i + 1:] == target for i in range(len(word)))
    return False


def normalise_spelling(text: str) -> str:
    return re.sub(r"[A-Za-z]+", lambda m: _SPELLINGS.get(m.group(0).lower(), m.group(0)), text)


def _as_matched(text: str) -> str:
    """The form the entries are matched against: lower case, British spelling, straight apostrophes."""
    return normalise_spelling(text.lower()).replace("’", "'")


def expansion_terms(question: str) -> list[str]:
    """Policy terms implied by the question's wording, in a stable order without duplicates."""
    lowered = _as_matched(question)
    terms: list[str] = []
    for pattern, expansion in _COMPILED:
        if pattern.search(lowered) and expansion not in terms:
            terms.append(expansion)
    return terms


def topic_terms(question: str) -> frozenset[str]:
    """The vocabulary entries naming what a question is about (photos, phones, passwords), not who or where."""
    return frozenset(expansion_terms(question)) - _NOT_A_TOPIC


def people_terms(question: str) -> frozenset[str]:
    """The vocabulary entries naming who a question is about (parents, pupils, former pupils, colleagues)."""
    return frozenset(expansion_terms(question)) & _PEOPLE_TERMS


def without_people(text: str, people: frozenset[str]) -> str:
    """The text (lower-cased) without the words that name these people (`people_terms` entries)."""
    lowered = _as_matched(text)
    for pattern, expansion in _COMPILED:
        if expansion in people:
            lowered = pattern.sub(" ", lowered)
    return re.sub(r"\s+", " ", lowered).strip()


def expand_query(question: str) -> str:
    terms = expansion_terms(question)
    return f"{question} {' '.join(terms)}" if terms else question
