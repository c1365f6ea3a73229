"""The decision core: plain rules in, one outcome out; no database, no Django."""
import pathlib

from hypothesis import given
from hypothesis import strategies as st

from vuoro.guidance import decide
from vuoro.guidance.decide import Answers, Rule

CODES = {"extended-permit", "citizenship", "first-permit"}


def answers(matter="extended-permit", in_country=True, strong_eid=False, urgent=False) -> Answers:
    return Answers(matter=matter, in_country=in_country, strong_eid=strong_eid, urgent=urgent)


class TestDecide:
    def test_the_first_matching_rule_wins(self):
        rules = [Rule(outcome=decide.APPLY_ONLINE, strong_eid=True, messages={"en": "online"}, id=1),
                 Rule(outcome=decide.BOOK_APPOINTMENT, messages={"en": "book"}, id=2)]
        decision = decide.decide(answers(strong_eid=True), rules, service_codes=CODES)
        assert (decision.outcome, decision.rule_id, decision.messages["en"]) == (decide.APPLY_ONLINE, 1, "online")

    def test_a_rule_that_does_not_match_is_passed_over(self):
        rules = [Rule(outcome=decide.APPLY_ONLINE, strong_eid=True, id=1), Rule(outcome=decide.BOOK_APPOINTMENT, id=2)]
        assert decide.decide(answers(strong_eid=False), rules, service_codes=CODES).rule_id == 2

    def test_every_condition_must_hold(self):
        rule = Rule(outcome=decide.TAKE_QUEUE_NUMBER, matter="citizenship", in_country=True, urgent=True)
        assert rule.matches(answers("citizenship", urgent=True))
        assert not rule.matches(answers("extended-permit", urgent=True))
        assert not rule.matches(answers("citizenship", in_country=False, urgent=True))
        assert not rule.matches(answers("citizenship", urgent=False))

    def test_an_appointment_names_the_matter_when_it_is_a_service(self):
        decision = decide.decide(answers("citizenship"), [Rule(outcome=decide.BOOK_APPOINTMENT)], service_codes=CODES)
        assert decision.service == "citizenship"

    def test_an_appointment_for_something_else_names_no_service(self):
        decision = decide.decide(answers("other"), [Rule(outcome=decide.BOOK_APPOINTMENT)], service_codes=CODES)
        assert decision.service is None

    def test_a_rules_own_service_comes_before_the_matter(self):
        rule = Rule(outcome=decide.BOOK_APPOINTMENT, matter="other", service="first-permit")
        assert decide.decide(answers("other"), [rule], service_codes=CODES).service == "first-permit"

    def test_outcomes_away_from_a_desk_name_no_service(self):
        rule = Rule(outcome=decide.APPLY_ONLINE, service="citizenship")
        decision = decide.decide(answers("citizenship"), [rule], service_codes=CODES)
        assert decision.service is None and decision.avoids_a_visit

    def test_a_rule_with_an_unknown_outcome_is_ignored(self):
        rules = [Rule(outcome="teleport"), Rule(outcome=decide.BOOK_APPOINTMENT, id=7)]
        assert decide.decide(answers(), rules, service_codes=CODES).rule_id == 7


class TestFallback:
    def test_without_rules_asylum_still_goes_to_the_police_or_border(self):
        decision = decide.decide(answers("asylum", urgent=True), [], service_codes=CODES)
        assert decision.outcome == decide.CONTACT_POLICE_OR_BORDER and decision.messages is None

    def test_without_rules_an_urgent_matter_gets_a_queue_number(self):
        decision = decide.decide(answers("citizenship", urgent=True), [], service_codes=CODES)
        assert (decision.outcome, decision.service) == (decide.TAKE_QUEUE_NUMBER, "citizenship")

    def test_without_rules_anything_else_is_booked(self):
        decision = decide.decide(answers("extended-permit"), [], service_codes=CODES)
        assert (decision.outcome, decision.service) == (decide.BOOK_APPOINTMENT, "extended-permit")


conditions = st.sampled_from([None, True, False])
matters = st.sampled_from([*sorted(CODES), "asylum", "other", "alien-passport"])
rule_strategy = st.builds(Rule, outcome=st.sampled_from([*decide.OUTCOMES, "nonsense"]),
                          matter=st.none() | matters, in_country=conditions, strong_eid=conditions, urgent=conditions,
                          service=st.none() | st.sampled_from(sorted(CODES)))


@given(rules=st.lists(rule_strategy, max_size=6), matter=matters, in_country=st.booleans(),
       strong_eid=st.booleans(), urgent=st.booleans())
def test_any_rules_give_exactly_one_known_outcome(rules, matter, in_country, strong_eid, urgent):
    given_answers = answers(matter, in_country, strong_eid, urgent)
    decision = decide.decide(given_answers, rules, service_codes=CODES)
    assert decision.outcome in decide.OUTCOMES
    matching = [rule for rule in rules if rule.outcome in decide.OUTCOMES and rule.matches(given_answers)]
    assert decision.outcome == (matching[0].outcome if matching else decide.fallback_outcome(given_answers))
    assert decision.service is None or decision.outcome in decide.DESK_OUTCOMES


def test_the_decision_core_never_imports_django():
    text = (pathlib.Path(decide.__file__)).read_text()
    assert "import django" not in text and "from django" not in text
