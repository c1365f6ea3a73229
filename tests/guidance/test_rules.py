"""The shipped rules, as stored: every combination of answers finds its outcome, and never an error."""
import itertools

import pytest

from vuoro.guidance import decide
from vuoro.guidance.decide import Answers
from vuoro.guidance.models import GuidanceRule, Outcome
from vuoro.guidance.selectors import guidance_decide
from vuoro.network.models import Service

pytestmark = pytest.mark.django_db
ONLINE_MATTERS = {"extended-permit", "citizenship"}


def every_combination():
    matters = list(dict.fromkeys([*Service.objects.values_list("code", flat=True), "asylum", "first-permit", "other"]))
    assert len(matters) >= 9  # the demo network's seven services (first-permit among them) and the special matters
    for matter, in_country, strong_eid, urgent in itertools.product(matters, *[(True, False)] * 3):
        yield Answers(matter=matter, in_country=in_country, strong_eid=strong_eid, urgent=urgent)


def expected(answers: Answers, codes: set[str]) -> tuple[str, str | None]:
    """docs/domain.md, written out once more by hand."""
    service = answers.matter if answers.matter in codes else None
    if answers.matter == "asylum":
        return "contact_police_or_border", None
    if not answers.in_country:
        return "visit_mission_abroad", None
    if answers.strong_eid and answers.matter in ONLINE_MATTERS:
        return "apply_online", None
    if answers.urgent:
        return "take_queue_number", service
    return "book_appointment", service


class TestShippedRules:
    def test_the_migration_installs_the_rules_with_a_final_catch_all(self, rules):
        last = GuidanceRule.objects.order_by("priority", "id").last()
        assert (last.matter, last.in_country, last.strong_eid, last.urgent) == ("", "any", "any", "any")
        assert last.outcome == Outcome.BOOK_APPOINTMENT

    def test_every_rule_speaks_three_languages(self, rules):
        for rule in rules:
            assert all(rule.messages.values()), rule

    def test_every_combination_of_answers_finds_the_outcome_domain_md_asks_for(self, rules, demo_network):
        codes = set(Service.objects.values_list("code", flat=True))
        walked = 0
        for answers in every_combination():
            decision = guidance_decide(answers=answers)
            assert (decision.outcome, decision.service) == expected(answers, codes), answers
            assert decision.rule_id is not None, answers  # a rule matched: the catch-all at worst
            assert all(decision.messages[language] for language in ("fi", "sv", "en"))
            walked += 1
        assert walked == (len(codes) + 2) * 8  # first-permit is a service code in the demo network

    def test_every_combination_answers_through_the_api_too(self, client, rules, demo_network):
        for answers in every_combination():
            body = {"matter": answers.matter, "in_country": answers.in_country, "strong_eid": answers.strong_eid,
                    "urgent": answers.urgent}
            answer = client.post("/api/v1/guidance", body, content_type="application/json")
            assert answer.status_code == 200, (answers, answer.content)
            assert answer.json()["outcome"] in decide.OUTCOMES

    def test_asylum_is_never_sent_to_a_desk_even_without_a_matching_rule(self, rules, demo_network):
        GuidanceRule.objects.all().delete()
        for answers in every_combination():
            decision = guidance_decide(answers=answers)
            if answers.matter == "asylum":
                assert decision.outcome == "contact_police_or_border"
            else:
                assert decision.outcome == ("take_queue_number" if answers.urgent else "book_appointment")
            assert all(decision.messages[language] for language in ("fi", "sv", "en"))

    def test_rules_out_of_use_are_passed_over(self, rules, demo_network):
        GuidanceRule.objects.filter(outcome=Outcome.APPLY_ONLINE).update(active=False)
        answers = Answers(matter="extended-permit", in_country=True, strong_eid=True, urgent=False)
        assert guidance_decide(answers=answers).outcome == "book_appointment"

    def test_a_rule_without_a_message_in_one_language_falls_back_to_the_default_text(self, rules, demo_network):
        GuidanceRule.objects.filter(outcome=Outcome.CONTACT_POLICE_OR_BORDER).update(message_sv="")
        decision = guidance_decide(answers=Answers(matter="asylum", in_country=True, strong_eid=False))
        assert decision.messages["sv"].startswith("Asyl kan inte sökas")

    def test_the_outcomes_of_the_core_and_the_database_are_the_same(self):
        assert set(decide.OUTCOMES) == set(Outcome.values)
