"""The console's words in French, Dutch and English. A key missing a language fails a unit test."""
from __future__ import annotations

LANGUAGES = ("fr", "nl", "en")

MESSAGES: dict[str, tuple[str, str, str]] = {  # key: (fr, nl, en)
    "console": ("Console DUO", "DUO-console", "DUO console"),
    "sign_in": ("Se connecter", "Aanmelden", "Sign in"),
    "sign_out": ("Se déconnecter", "Afmelden", "Sign out"),
    "dev_sign_in": ("Connexion de développement", "Ontwikkelaarsaanmelding", "Development sign-in"),
    "dev_sign_in_note": ("Uniquement en local : choisissez un rôle et des antennes. Refusé en production.",
                         "Alleen lokaal: kies een rol en afdelingen. Geweigerd in productie.",
                         "Local runs only: pick a role and branches. Refused in production."),
    "oidc_sign_in": ("Se connecter avec le compte de l'organisation", "Aanmelden met het account van de organisatie",
                     "Sign in with the organisation's account"),
    "your_name": ("Votre prénom", "Uw voornaam", "Your first name"),
    "role": ("Rôle", "Rol", "Role"),
    "role_coordinator": ("Coordinateur·rice d'antenne", "Afdelingscoördinator", "Branch coordinator"),
    "role_national": ("Équipe nationale", "Nationaal team", "National staff"),
    "branches": ("Antennes", "Afdelingen", "Branches"),
    "branch": ("Antenne", "Afdeling", "Branch"),
    "language": ("Langue", "Taal", "Language"),
    "dashboard": ("Tableau de bord", "Overzicht", "Dashboard"),
    "register": ("Inscrire", "Inschrijven", "Register"),
    "register_mentee": ("Inscrire un·e jeune", "Een jongere inschrijven", "Register a mentee"),
    "register_mentor": ("Inscrire un·e mentor", "Een mentor inschrijven", "Register a mentor"),
    "matching": ("Mise en duo", "Koppelen", "Matching"),
    "duos": ("Duos", "Duo's", "Duos"),
    "figures": ("Chiffres", "Cijfers", "Figures"),
    "notifications": ("Notifications", "Meldingen", "Notifications"),
    "people": ("Personnes", "Personen", "People"),
    "waiting_mentees": ("Jeunes en attente", "Wachtende jongeren", "Waiting mentees"),
    "days_waiting": ("jours d'attente", "dagen wachten", "days waiting"),
    "trained_mentors_available": ("Mentors formés disponibles", "Opgeleide mentors beschikbaar",
                                  "Trained mentors available"),
    "open_proposals": ("Propositions ouvertes", "Open voorstellen", "Open proposals"),
    "active_duos": ("Duos actifs", "Actieve duo's", "Active duos"),
    "duos_at_risk": ("Duos à risque", "Duo's met risico", "Duos at risk"),
    "check_ins_due": ("Suivis à faire", "Opvolggesprekken te doen", "Check-ins due"),
    "at_least": ("au moins", "minstens", "at least"),
    "none": ("Aucun", "Geen", "None"),
    "first_name": ("Prénom", "Voornaam", "First name"),
    "last_name": ("Nom", "Achternaam", "Last name"),
    "email": ("E-mail", "E-mail", "E-mail"),
    "birth_date": ("Date de naissance", "Geboortedatum", "Birth date"),
    "preferred_language": ("Langue de contact", "Contacttaal", "Language for messages"),
    "country": ("Pays", "Land", "Country"),
    "postcode": ("Code postal", "Postcode", "Postcode"),
    "languages": ("Langues parlées", "Gesproken talen", "Languages spoken"),
    "first_language": ("Langue 1", "Taal 1", "Language 1"),
    "second_language": ("Langue 2 (facultatif)", "Taal 2 (optioneel)", "Language 2 (optional)"),
    "level": ("Niveau", "Niveau", "Level"),
    "availability": ("Disponibilités", "Beschikbaarheid", "Availability"),
    "consent": ("Consentement au traitement des données personnelles", "Toestemming voor de verwerking van persoonsgegevens",
                "Consent to the processing of personal data"),
    "target_sectors": ("Secteurs visés", "Beoogde sectoren", "Target sectors"),
    "education_level": ("Niveau d'études", "Opleidingsniveau", "Education level"),
    "employment_service": ("Service de l'emploi", "Arbeidsbemiddeling", "Public employment service"),
    "employment_service_registered": ("Inscrit·e au service de l'emploi", "Ingeschreven bij de arbeidsbemiddeling",
                                      "Registered with the employment service"),
    "migration_background": ("Parcours migratoire", "Migratieachtergrond", "Migration background"),
    "right_to_work": ("Droit de séjour et de travail", "Verblijfs- en werkrecht", "Right to stay and work"),
    "support_wanted": ("Soutien souhaité", "Gewenste steun", "Support wanted"),
    "support_offered": ("Soutien proposé", "Aangeboden steun", "Support offered"),
    "experience_sector": ("Secteur d'expérience", "Sector van ervaring", "Sector of experience"),
    "experience_years": ("Années d'expérience", "Jaren ervaring", "Years of experience"),
    "volunteer": ("Bénévole", "Vrijwilliger", "Volunteer"),
    "submit_register": ("Inscrire", "Inschrijven", "Register"),
    "registered_ok": ("Inscription enregistrée", "Inschrijving geregistreerd", "Registered"),
    "training": ("Formation", "Opleiding", "Training"),
    "training_of": ("Formation initiale (8 modules)", "Basisopleiding (8 modules)", "Initial training (8 modules)"),
    "completed_on": ("Suivi le", "Gevolgd op", "Completed on"),
    "record_training": ("Enregistrer les modules cochés", "Aangevinkte modules registreren", "Record the ticked modules"),
    "trained": ("Formé·e", "Opgeleid", "Trained"),
    "not_trained": ("Formation incomplète", "Opleiding onvolledig", "Training incomplete"),
    "run_round": ("Lancer un tour de propositions", "Een voorstelronde starten", "Run a proposal round"),
    "round_result": ("propositions nouvelles", "nieuwe voorstellen", "new proposals"),
    "score": ("Score", "Score", "Score"),
    "reasons": ("Raisons", "Redenen", "Reasons"),
    "breakdown": ("Détail du score", "Opbouw van de score", "Score breakdown"),
    "accept": ("Accepter", "Aanvaarden", "Accept"),
    "decline": ("Refuser", "Weigeren", "Decline"),
    "place_newcomer": ("Placer un·e nouveau·elle", "Een nieuwkomer plaatsen", "Place a newcomer"),
    "no_mentor_now": ("Aucun·e mentor ne dépasse le minimum pour l'instant.", "Geen mentor haalt voorlopig het minimum.",
                      "No mentor scores above the minimum for now."),
    "mentee": ("Jeune", "Jongere", "Mentee"),
    "mentor": ("Mentor", "Mentor", "Mentor"),
    "status": ("Statut", "Status", "Status"),
    "started_on": ("Début", "Start", "Started on"),
    "planned_end_on": ("Fin prévue", "Gepland einde", "Planned end"),
    "hours": ("Heures", "Uren", "Hours"),
    "hours_vs_expected": ("heures sur {expected} attendues", "uur van de verwachte {expected}",
                          "hours of {expected} expected"),
    "sessions": ("Rencontres", "Ontmoetingen", "Sessions"),
    "log_session": ("Noter une rencontre", "Een ontmoeting noteren", "Log a session"),
    "held_on": ("Date", "Datum", "Held on"),
    "check_ins": ("Suivis", "Opvolggesprekken", "Check-ins"),
    "record_check_in": ("Noter un suivi", "Een opvolggesprek noteren", "Record a check-in"),
    "month": ("Mois", "Maand", "Month"),
    "on_track": ("En bonne voie", "Op schema", "On track"),
    "end_early": ("Terminer avant terme", "Vroegtijdig beëindigen", "End early"),
    "reason": ("Raison", "Reden", "Reason"),
    "mentee_returns_to_pool": ("Le·la jeune attend un·e nouveau·elle mentor", "De jongere wacht op een nieuwe mentor",
                               "The mentee waits for a new mentor"),
    "outcome": ("Résultat", "Resultaat", "Outcome"),
    "record_outcome": ("Enregistrer un résultat", "Een resultaat registreren", "Record an outcome"),
    "moment": ("Moment", "Moment", "Moment"),
    "kind": ("Type", "Soort", "Kind"),
    "contract_type": ("Contrat", "Contract", "Contract"),
    "achieved_on": ("Obtenu le", "Behaald op", "Achieved on"),
    "evidence": ("Preuve", "Bewijs", "Evidence"),
    "verified_on": ("Vérifié le", "Nagekeken op", "Verified on"),
    "save": ("Enregistrer", "Opslaan", "Save"),
    "period": ("Période", "Periode", "Period"),
    "from": ("Du", "Van", "From"),
    "to": ("au", "tot", "to"),
    "show": ("Afficher", "Tonen", "Show"),
    "definition": ("Définition", "Definitie", "Definition"),
    "value": ("Valeur", "Waarde", "Value"),
    "export_csv": ("Exporter en CSV", "Exporteren als CSV", "Export as CSV"),
    "over_time": ("Évolution sur six mois", "Verloop over zes maanden", "The last six months"),
    "all_branches": ("Toutes les antennes", "Alle afdelingen", "All branches"),
    "recipient": ("Destinataire", "Ontvanger", "Recipient"),
    "template": ("Message", "Bericht", "Message"),
    "sent_at": ("Envoyé le", "Verzonden op", "Sent at"),
    "search": ("Rechercher", "Zoeken", "Search"),
    "search_name": ("Nom ou prénom", "Naam of voornaam", "Name"),
    "any": ("Tous", "Alle", "Any"),
    "withdraw": ("Retirer du programme", "Uit het programma halen", "Withdraw"),
    "erase": ("Effacer", "Wissen", "Erase"),
    "erase_confirm_title": ("Effacer les données personnelles ?", "Persoonsgegevens wissen?", "Erase personal data?"),
    "erase_explained": (
        "L'effacement supprime définitivement le nom, l'e-mail, la date de naissance et les coordonnées de cette "
        "personne dans tous les services. Les duos et les chiffres restent, sans lien avec elle. C'est irréversible.",
        "Wissen verwijdert de naam, het e-mailadres, de geboortedatum en de contactgegevens van deze persoon "
        "definitief uit alle diensten. Duo's en cijfers blijven, zonder verband met haar. Dit kan niet ongedaan.",
        "Erasure removes this person's name, e-mail, birth date and contact details from every service for good. "
        "Duos and figures stay, no longer linked to them. It cannot be undone."),
    "erase_yes": ("Oui, effacer définitivement", "Ja, definitief wissen", "Yes, erase for good"),
    "cancel": ("Annuler", "Annuleren", "Cancel"),
    "erased_ok": ("Données effacées", "Gegevens gewist", "Personal data erased"),
    "withdrawn_ok": ("Retrait enregistré", "Uitstap geregistreerd", "Withdrawal recorded"),
    "service_down": ("Le service « {service} » ne répond pas. Réessayez dans un instant ; rien n'a été modifié.",
                     "De dienst '{service}' antwoordt niet. Probeer het zo opnieuw; er is niets gewijzigd.",
                     "The {service} service is not answering. Try again in a moment; nothing was changed."),
    "forbidden_branch": ("Vous n'avez pas accès à cette antenne.", "U hebt geen toegang tot deze afdeling.",
                         "You have no access to this branch."),
    "not_found": ("Introuvable dans cette antenne.", "Niet gevonden in deze afdeling.", "Not found in this branch."),
    "csrf_failed": ("Le formulaire a expiré ; rechargez la page.", "Het formulier is verlopen; laad de pagina opnieuw.",
                    "The form has expired; reload the page."),
    "gap_note": ("Limite de l'API : {limit} premiers éléments.", "API-grens: de eerste {limit} elementen.",
                 "API limit: the first {limit} items."),
    "open": ("Ouvrir", "Openen", "Open"),
    "next_page": ("Page suivante", "Volgende pagina", "Next page"),
    "yes": ("oui", "ja", "yes"),
    "no": ("non", "nee", "no"),
    "registered_on": ("Inscrit·e le", "Ingeschreven op", "Registered on"),
    "expected_rhythm": ("Rythme attendu : 2 heures par semaine", "Verwacht ritme: 2 uur per week",
                        "Expected rhythm: 2 hours a week"),
    "days_without_session": ("jours sans rencontre", "dagen zonder ontmoeting", "days without a session"),
}


def negotiate(accept_language: str | None) -> str:
    """The first of fr, nl, en that the browser's Accept-Language asks for, by quality; French otherwise."""
    choices = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        code = tag.split("-")[0].lower()
        if code in LANGUAGES and quality > 0:
            choices.append((-quality, position, code))
    return min(choices)[2] if choices else "fr"


def translator(language: str):
    index = LANGUAGES.index(language) if language in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        text = MESSAGES[key][index] if key in MESSAGES else key
        return text.format(**values) if values else text
    return t
