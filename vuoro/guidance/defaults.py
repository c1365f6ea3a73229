"""The rules vuoro ships with, following the agency's practice (docs/domain.md); administrators edit them.

Used by the data migration that installs them, and by tests after a flush.
"""
from __future__ import annotations

_ONLINE = {
    "fi": "Hae verkossa ja tunnistaudu vahvasti. Silloin sinun ei ehkä tarvitse käydä palvelupisteessä "
          "lainkaan: verkkopalvelu kertoo, pitääkö sinun vielä tulla käymään.",
    "sv": "Ansök på nätet och identifiera dig med stark elektronisk identifiering. Då behöver du kanske inte "
          "besöka ett serviceställe alls: e-tjänsten berättar om du ändå måste komma.",
    "en": "Apply online and identify yourself with strong electronic identification. You may then not need to "
          "visit a service point at all: the online service tells you whether you still have to come.",
}

DEFAULT_RULES: list[dict] = [
    {"priority": 10, "matter": "asylum", "outcome": "contact_police_or_border", "messages": {
        "fi": "Turvapaikkaa ei voi hakea palvelupisteessä. Kerro poliisille tai rajatarkastusviranomaiselle, "
              "että haluat hakea turvapaikkaa: rajalla heti saapuessasi tai poliisiasemalla, jos olet jo Suomessa.",
        "sv": "Asyl kan inte sökas på ett serviceställe. Berätta för polisen eller gränskontrollmyndigheten att "
              "du vill söka asyl: vid gränsen när du anländer, eller på en polisstation om du redan är i Finland.",
        "en": "Asylum cannot be applied for at a service point. Tell the police or the border control authorities "
              "that you want to apply for asylum: at the border when you arrive, or at a police station if you "
              "are already in Finland.",
    }},
    {"priority": 20, "in_country": "no", "outcome": "visit_mission_abroad", "messages": {
        "fi": "Koska olet ulkomailla, sinua ei voida palvella Suomen palvelupisteessä. Ensimmäistä oleskelulupaa "
              "haetaan ulkomailta: hae lupaa verkossa ja käy sitten Suomen suurlähetystössä tai konsulaatissa "
              "todistamassa henkilöllisyytesi ja esittämässä alkuperäiset asiakirjat.",
        "sv": "Eftersom du är utomlands kan du inte betjänas på ett serviceställe i Finland. Ett första "
              "uppehållstillstånd söks från utlandet: ansök på nätet och besök sedan en finländsk ambassad eller "
              "ett konsulat för att styrka din identitet och visa upp dina originalhandlingar.",
        "en": "As you are abroad, you cannot be served at a service point in Finland. A first residence permit "
              "is applied for from abroad: apply online, then visit a Finnish embassy or consulate to prove your "
              "identity and show your original documents.",
    }},
    {"priority": 30, "matter": "extended-permit", "strong_eid": "yes", "outcome": "apply_online",
     "messages": _ONLINE},
    {"priority": 31, "matter": "citizenship", "strong_eid": "yes", "outcome": "apply_online", "messages": _ONLINE},
    {"priority": 40, "urgent": "yes", "outcome": "take_queue_number", "messages": {
        "fi": "Kiireellinen asia hoidetaan samana päivänä jonotusnumerolla. Tule palvelupisteeseen, jossa "
              "jaetaan jonotusnumeroita. Numeroita on päivittäin rajallisesti, joten tule ajoissa.",
        "sv": "Ett brådskande ärende sköts samma dag med ett könummer. Kom till ett serviceställe som delar ut "
              "könummer. Antalet könummer per dag är begränsat, så kom i god tid.",
        "en": "An urgent matter is served on the same day with a queue number. Come to a service point that "
              "gives out queue numbers. There are only so many each day, so come early.",
    }},
    {"priority": 50, "matter": "first-permit", "in_country": "yes", "outcome": "book_appointment", "messages": {
        "fi": "Ensimmäistä oleskelulupaa haetaan yleensä ulkomailta, mutta jos oleskelet jo laillisesti "
              "Suomessa, voit hakea sitä täällä. Täytä hakemus ensin verkossa, jos voit, ja varaa sitten aika, "
              "jolloin todistat henkilöllisyytesi ja esität alkuperäiset asiakirjat.",
        "sv": "Ett första uppehållstillstånd söks i regel från utlandet, men om du redan vistas lagligt i Finland "
              "kan du ansöka här. Fyll i ansökan på nätet först om du kan, och boka sedan en tid för att styrka "
              "din identitet och visa upp dina originalhandlingar.",
        "en": "A first residence permit is normally applied for abroad, but if you are already legally in "
              "Finland you can apply here. Fill in the application online first if you can, then book an "
              "appointment to prove your identity and show your original documents.",
    }},
    {"priority": 1000, "outcome": "book_appointment", "messages": {
        "fi": "Varaa aika palvelupisteeseen. Voit valita minkä tahansa palvelupisteen, ei vain lähintä. "
              "Varaa vain yksi aika, ja peru se, jos et pääse tulemaan.",
        "sv": "Boka en tid på ett serviceställe. Du kan välja vilket serviceställe som helst, inte bara det "
              "närmaste. Boka bara en tid, och avboka den om du inte kan komma.",
        "en": "Book an appointment at a service point. You may choose any service point, not only the one "
              "nearest to you. Book one time only, and cancel it if you cannot come.",
    }},
]


def install_default_rules(rule_model) -> int:
    """Create the default rules (with the given model class, historical or not); returns how many."""
    for spec in DEFAULT_RULES:
        rule_model.objects.create(
            priority=spec["priority"], matter=spec.get("matter", ""), in_country=spec.get("in_country", "any"),
            strong_eid=spec.get("strong_eid", "any"), urgent=spec.get("urgent", "any"), outcome=spec["outcome"],
            **{f"message_{language}": text for language, text in spec["messages"].items()})
    return len(DEFAULT_RULES)
